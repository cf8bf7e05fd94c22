import {Box, Text} from 'ink';
import {shortNat} from '../../services/nat/nat-status.js';
import type {DashboardState} from './dashboard-reducer.js';

/** Two rows: instance, where to browse and how the run is going; then how to log in (the link whole, to copy). */
export function Header({state, color}: {state: DashboardState; color: boolean}) {
	const info = state.info;
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
						{'  '}
						<RunStatus state={state} color={color} />
						{info.nat ? <Text dimColor={info.nat.state !== 'lost'} color={color && info.nat.state === 'lost' ? 'yellow' : undefined}>{`  ${shortNat(info.nat)}`}</Text> : null}
						<Text dimColor>{`  supervisor pid ${info.supervisorPid}`}</Text>
					</>
				) : (
					<Text dimColor>{'  connecting to the supervisor…'}</Text>
				)}
			</Text>
			<Text wrap="truncate-end">{info?.loginUrl ? `log in: ${info.loginUrl}` : ''}</Text>
		</Box>
	);
}

function RunStatus({state, color}: {state: DashboardState; color: boolean}) {
	if (state.runFailed) {
		return (
			<Text color={color ? 'red' : undefined} bold>
				✗ {state.runFailed.daemon} failed: {state.runFailed.error}
			</Text>
		);
	}
	if (state.stopping !== 'no') return <Text color={color ? 'yellow' : undefined}>{state.stopping === 'forced' ? 'force-quitting…' : 'stopping…'}</Text>;
	const total = state.daemons.length;
	const readyCount = state.daemons.filter(daemon => daemon.state === 'ready').length;
	if (total > 0 && readyCount === total) {
		const took = state.runReadyMs === undefined ? '' : ` in ${(state.runReadyMs / 1000).toFixed(1)} s`;
		return <Text color={color ? 'green' : undefined}>{`✓ all ${total} ready${took}`}</Text>;
	}
	return <Text dimColor>{`${readyCount}/${total} ready`}</Text>;
}
