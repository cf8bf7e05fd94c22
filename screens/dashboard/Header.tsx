import {Box, Text} from 'ink';
import type {DashboardState} from './dashboard-reducer.js';

/** Two rows: instance and where to browse; how to log in and how the run is going. */
export function Header({state, color}: {state: DashboardState; color: boolean}) {
	const info = state.info;
	const readyCount = state.daemons.filter(daemon => daemon.state === 'ready').length;
	return (
		<Box flexDirection="column" height={2}>
			<Text wrap="truncate-end">
				<Text bold>ampzero run {info?.instance ?? '…'}</Text>
				{info ? (
					<>
						{'  '}
						<Text color={color ? 'cyan' : undefined} underline>
							{info.frontendUrl}
						</Text>
						<Text dimColor>{`  supervisor pid ${info.supervisorPid}`}</Text>
					</>
				) : (
					<Text dimColor>{'  connecting to the supervisor…'}</Text>
				)}
			</Text>
			<Text wrap="truncate-end">
				{info?.loginUrl ? <Text>log in: {info.loginUrl}  </Text> : null}
				<RunStatus state={state} readyCount={readyCount} color={color} />
			</Text>
		</Box>
	);
}

function RunStatus({state, readyCount, color}: {state: DashboardState; readyCount: number; color: boolean}) {
	if (state.runFailed) {
		return (
			<Text color={color ? 'red' : undefined} bold>
				✗ {state.runFailed.daemon} failed: {state.runFailed.error}
			</Text>
		);
	}
	if (state.stopping !== 'no') return <Text color={color ? 'yellow' : undefined}>{state.stopping === 'forced' ? 'force-quitting…' : 'stopping…'}</Text>;
	const total = state.daemons.length;
	if (state.runReadyMs !== undefined && readyCount === total) {
		return <Text color={color ? 'green' : undefined}>✓ all {total} ready (in {(state.runReadyMs / 1000).toFixed(1)} s)</Text>;
	}
	return <Text dimColor>{`${readyCount}/${total} ready`}</Text>;
}
