import {Text} from 'ink';
import {StatusLine} from '../dashboard/StatusLine.js';
import {keysOf} from '../runtime/keymap.js';
import {fleetKeymap, type FleetCommand, type FleetMode} from './fleet-keymap.js';
import {selectedHost, type FleetState} from './fleet-reducer.js';

/** The line above the footer: a question, the latest notice, or (as on the dashboard) the search and the scroll of the selected log. */
export function FleetStatusLine({state, mode, logRows, color}: {state: FleetState; mode: FleetMode; logRows: number; color: boolean}) {
	const host = selectedHost(state);
	const warn = color ? 'yellow' : undefined;
	const keys = (command: FleetCommand): string => keysOf(fleetKeymap, command, mode);
	if (mode === 'confirm-stop-all') {
		return (
			<Text wrap="truncate-end" bold color={warn} inverse>
				{` Stop every daemon of ${host?.label ?? 'this host'} (${keys('stop-host')}), of all ${state.hosts.length} hosts (${keys('stop-everywhere')}), or cancel (${keys('confirm-cancel')})? `}
			</Text>
		);
	}
	if (mode === 'confirm-quit-host') {
		return (
			<Text wrap="truncate-end" bold color={warn} inverse>
				{` Force-quit every daemon of ${host?.label ?? 'this host'} (SIGKILL)? ${keys('confirm-yes')} / ${keys('confirm-cancel')} `}
			</Text>
		);
	}
	if (state.notice && mode === 'list' && host?.board.search.phase !== 'active') return <Text wrap="truncate-end">{state.notice}</Text>;
	if (!host) return <Text> </Text>;
	// The dashboard's own line for the selected host's log: the keys it names are the same here.
	return <StatusLine state={host.board} mode={mode === 'search' ? 'search' : 'list'} logRows={logRows} color={color} />;
}
