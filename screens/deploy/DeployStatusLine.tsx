import {Text} from 'ink';
import type {DeployScreenState} from './deploy-reducer.js';

/** The line between the host list and the output: the abort question, news, or how the deploy ended. */
export function DeployStatusLine({state, mode, color}: {state: DeployScreenState; mode: string; color: boolean}) {
	const warn = color ? 'yellow' : undefined;
	if (mode === 'confirm-abort') {
		return (
			<Text wrap="truncate-end" bold color={warn} inverse>
				{' Abort the deploy? Every host goes back to the release it had. y / n '}
			</Text>
		);
	}
	if (state.notice) {
		return (
			<Text wrap="truncate-end" color={state.abortRequested ? warn : undefined}>
				{state.notice}
			</Text>
		);
	}
	const finished = state.finished;
	if (finished && !finished.ok && finished.error) {
		return (
			<Text wrap="truncate-end" color={color ? 'redBright' : undefined}>
				{finished.error}
			</Text>
		);
	}
	if (finished && state.plan) {
		return (
			<Text wrap="truncate-end" dimColor>
				{`${state.plan.logFile}  (every remote command's output)`}
			</Text>
		);
	}
	return <Text> </Text>;
}
