import {Box, Text} from 'ink';
import type {FleetState} from './fleet-reducer.js';

/** The releases the hosts run, most hosts first: `R on all 3`, or `R1 on 2 · R2 on 1 (c)` (the hosts that differ named). */
export function releasesLine(state: FleetState): string {
	const byRelease = new Map<string, string[]>();
	for (const host of state.hosts) {
		const release = host.release ?? 'release not known yet';
		byRelease.set(release, [...(byRelease.get(release) ?? []), host.label]);
	}
	const groups = [...byRelease].sort((a, b) => b[1].length - a[1].length);
	if (groups.length === 1) return `${groups[0]![0]} on ${state.hosts.length === 1 ? state.hosts[0]!.label : `all ${state.hosts.length} hosts`}`;
	return groups.map(([release, hosts], index) => `${release} on ${hosts.length}${index > 0 ? ` (${hosts.join(', ')})` : ''}`).join(' · ');
}

/** Two rows: the instance, how many hosts answer and how many daemons are ready; then the release each host runs (its `.current`). */
export function FleetHeader({state, color}: {state: FleetState; color: boolean}) {
	const connected = state.hosts.filter(host => host.link === 'connected');
	const unreachable = state.hosts.filter(host => host.link === 'unreachable').length;
	const daemons = connected.flatMap(host => host.board.daemons);
	const ready = daemons.filter(daemon => daemon.state === 'ready').length;
	const allReady = daemons.length > 0 && ready === daemons.length && connected.length === state.hosts.length;
	return (
		<Box flexDirection="column" height={2}>
			<Text wrap="truncate-end">
				<Text bold>ampzero fleet {state.instance}</Text>
				{'  '}
				<Text color={color && connected.length < state.hosts.length ? 'yellow' : undefined}>{`${connected.length}/${state.hosts.length} hosts connected`}</Text>
				{unreachable > 0 ? <Text color={color ? 'red' : undefined}>{` · ${unreachable} unreachable`}</Text> : null}
				{'  '}
				<Text color={color && allReady ? 'green' : undefined} dimColor={!allReady}>{allReady ? `✓ all ${ready} ready` : `${ready}/${daemons.length} ready`}</Text>
			</Text>
			<Text wrap="truncate-end" dimColor>
				{`release ${releasesLine(state)}`}
			</Text>
		</Box>
	);
}
