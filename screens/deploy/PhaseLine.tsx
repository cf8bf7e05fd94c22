import {Text} from 'ink';
import {formatDuration} from '../../services/deploy/event-format.js';
import {currentStep, deployElapsedMs, hostCounts, stepsOf, type DeployScreenState} from './deploy-reducer.js';
import {hostColors, hostSymbols, phaseColors, phaseWords} from './deploy-look.js';

/** The top line: the overall phase and time so far, the step the deploy is at, how many hosts are in each state. */
export function PhaseLine({state, now, color}: {state: DeployScreenState; now: number; color: boolean}) {
	const step = state.phase === 'deploying' ? currentStep(state) : undefined;
	const steps = stepsOf(state);
	const finished = state.finished;
	const mark = finished ? (finished.ok ? '✓ ' : '✗ ') : '';
	return (
		<Text wrap="truncate-end">
			<Text bold color={color ? phaseColors[state.phase] : undefined}>
				{mark}
				{phaseWords[state.phase]}
			</Text>
			<Text dimColor>{` ${formatDuration(deployElapsedMs(state, now))}`}</Text>
			{step ? `  step ${Math.max(1, steps.indexOf(step.step) + 1)}/${steps.length} ${step.step}` : ''}
			{'  '}
			{hostCounts(state).map(([hostState, count], index) => (
				<Text key={hostState}>
					{index > 0 ? ', ' : ''}
					<Text color={color ? hostColors[hostState] : undefined}>{hostSymbols[hostState]}</Text> {count} {hostState}
				</Text>
			))}
		</Text>
	);
}
