import {Box, Text} from 'ink';
import {Spinner} from '../runtime/Spinner.js';
import type {InitProgress, StepProgress} from './init-progress.js';

function StepLine({step}: {step: StepProgress}) {
	return (
		<Box flexDirection="column">
			<Text>
				{step.status === 'running' ? <Spinner /> : step.status === 'done' ? <Text color="green">✓</Text> : <Text color="red">✗</Text>} {step.label}
				{step.detail ? <Text dimColor> {step.detail}</Text> : null}
			</Text>
			{step.error ? (
				<Box paddingLeft={2}>
					<Text color="red">{step.error}</Text>
				</Box>
			) : null}
		</Box>
	);
}

/** Each creation step with a spinner, a tick or a cross; only the last steps that fit in `height`. */
export function ProgressView({progress, height}: {progress: InitProgress; height: number}) {
	const rowsFor = (step: StepProgress): number => (step.error ? 2 : 1);
	const footerRows = progress.phase === 'creating' ? 0 : 2;
	const shown: StepProgress[] = [];
	let used = footerRows;
	for (let index = progress.steps.length - 1; index >= 0; index--) {
		const step = progress.steps[index]!;
		if (used + rowsFor(step) > height && shown.length > 0) break;
		used += rowsFor(step);
		shown.unshift(step);
	}
	return (
		<Box flexDirection="column">
			{shown.map(step => (
				<StepLine key={step.step} step={step} />
			))}
			{progress.phase === 'failed' ? (
				<Box marginTop={1}>
					<Text color="red">✗ Not created: {progress.error}. Nothing was left on disk.</Text>
				</Box>
			) : progress.phase === 'aborted' ? (
				<Box marginTop={1}>
					<Text color="yellow">Cancelled: nothing written.</Text>
				</Box>
			) : null}
		</Box>
	);
}
