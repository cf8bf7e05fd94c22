import {Box, Text} from 'ink';
import {memo} from 'react';
import {formatDuration} from '../../services/deploy/event-format.js';
import type {BuildStepView, DeployHostView} from './deploy-reducer.js';

export interface HostOutputProps {
	host?: DeployHostView;
	/** Lines below the title: never more are drawn. */
	rows: number;
	columns: number;
	color: boolean;
	/** Before the first host: the building steps, the running one with its time so far. */
	building?: readonly BuildStepView[];
	now?: number;
}

/**
 * The selected host's output: the last lines of its current step; after a failure, the error of
 * the step that failed above the last lines that step (and then the rollback) wrote.
 */
export const HostOutput = memo(function HostOutput({host, rows, columns, color, building = [], now = 0}: HostOutputProps) {
	if (!host) {
		const shown = building.slice(Math.max(0, building.length - rows));
		return (
			<Box flexDirection="column" flexShrink={0}>
				<Rule text={building.length > 0 ? 'building the releases' : 'output'} columns={columns} />
				{shown.length === 0 ? <Text dimColor>(no host yet)</Text> : null}
				{shown.map(step => (
					<Text key={step.what} wrap="truncate-end">
						<Text color={color ? (step.state === 'failed' ? 'redBright' : step.state === 'ok' ? 'green' : 'cyan') : undefined}>{step.state === 'ok' ? '✓' : step.state === 'failed' ? '✗' : '▸'}</Text>{' '}
						{step.what} <Text dimColor>{formatDuration(step.ms ?? Math.max(0, now - step.at))}</Text>
					</Text>
				))}
			</Box>
		);
	}
	const error = host.error;
	const showError = error !== undefined && host.state !== 'running';
	// After a failure the host's output goes on with what its rollback writes; until then it is the failed step's.
	const lines = showError && host.output.length === 0 ? error.output : host.output;
	// The error wraps to two rows at most: a long one is cut, the output below still shows.
	const errorRows = showError ? Math.min(2, rows, Math.ceil((error.message.length + 2) / columns)) : 0;
	const shown = lines.slice(Math.max(0, lines.length - (rows - errorRows)));
	const what = showError ? `${error.step} failed` : host.step ? `${host.step}${host.state === 'running' ? '' : ' (last step)'}` : 'not started';
	return (
		<Box flexDirection="column" flexShrink={0}>
			<Rule text={`${host.host} · ${what}`} columns={columns} />
			{showError ? (
				<Box height={errorRows} overflow="hidden" flexShrink={0}>
					<Text color={color ? 'redBright' : undefined} bold wrap="wrap">
						✗ {error.message}
					</Text>
				</Box>
			) : null}
			{shown.length === 0 && !showError ? <Text dimColor>(no output yet)</Text> : null}
			{shown.map((line, index) => (
				<Text key={`${lines.length - shown.length + index}`} wrap="truncate-end" dimColor={showError}>
					{line === '' ? ' ' : line}
				</Text>
			))}
		</Box>
	);
});

/** A title on a horizontal rule across the screen. */
export function Rule({text, columns}: {text: string; columns: number}) {
	const title = text.length > columns - 4 ? `${text.slice(0, Math.max(0, columns - 5))}…` : text;
	return (
		<Text wrap="truncate-end">
			<Text dimColor>─ </Text>
			<Text bold>{title}</Text>
			<Text dimColor> {'─'.repeat(Math.max(0, columns - title.length - 4))}</Text>
		</Text>
	);
}
