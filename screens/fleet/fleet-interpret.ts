import type {Key} from 'ink';
import type {SupervisorCommand} from '../../services/supervisor/events.js';
import {dashboardText} from '../dashboard/dashboard-interpret.js';
import {selectedDaemon, type DashboardAction} from '../dashboard/dashboard-reducer.js';
import {isLogCommand, logAction} from '../dashboard/log-commands.js';
import {isAnswerCommand} from '../runtime/shared-bindings.js';
import {act, nothing, type Outcome, type ScreenRules} from '../runtime/use-screen.js';
import {fleetKeymap, type FleetCommand, type FleetMode} from './fleet-keymap.js';
import {fleetReducer, hostLive, selectedHost, type FleetAction, type FleetState} from './fleet-reducer.js';

export interface FleetKeyContext {
	/** Rows of the log pane: a page, and where a search match is revealed. */
	logRows: number;
}

/** What the fleet view does outside itself: a command for one host's supervisor, over that host's events command. */
export interface FleetEffect {
	type: 'send';
	host: string;
	command: SupervisorCommand;
}

export type FleetOutcome = Outcome<FleetAction, FleetEffect>;

export function fleetMode(state: FleetState): FleetMode {
	if (selectedHost(state)?.board.search.phase === 'typing') return 'search';
	if (state.dialog === 'help') return 'help';
	if (state.dialog === 'confirm-stop-all') return 'confirm-stop-all';
	if (state.dialog === 'confirm-quit-host') return 'confirm-quit-host';
	return 'list';
}

const board = (action: DashboardAction): FleetOutcome => act({type: 'board', action});

/** What a command means in this state. Pure: the screen reduces and sends what it returns. */
export function interpretFleet(state: FleetState, command: FleetCommand, context: FleetKeyContext): FleetOutcome {
	if (state.ended || isAnswerCommand(command)) return nothing;
	const host = selectedHost(state);
	if (isLogCommand(command)) {
		const action = logAction(host?.board, command, context.logRows);
		return action ? board(action) : nothing;
	}
	const daemon = host && host.board.daemons.length > 0 ? selectedDaemon(host.board) : undefined;
	/** A command for the selected host, or why it cannot go. */
	const toHost = (supervisorCommand: SupervisorCommand, notice: string): FleetOutcome => {
		if (!host) return nothing;
		if (!hostLive(host)) return act({type: 'notice', text: `${host.label} is ${host.link}: nothing sent`}, {type: 'dialog'});
		return {actions: [{type: 'notice', text: notice}, {type: 'dialog'}], effects: [{type: 'send', host: host.label, command: supervisorCommand}]};
	};
	switch (command) {
		case 'interrupt':
		case 'leave':
			return act({type: 'leave', message: `Left the fleet view of ${state.instance}: every host keeps running.`});
		case 'help':
			return act({type: 'dialog', dialog: state.dialog === 'help' ? undefined : 'help'});
		case 'close-help':
		case 'confirm-cancel':
			return act({type: 'dialog'});
		case 'select-previous':
			return act({type: 'select', delta: -1});
		case 'select-next':
			return act({type: 'select', delta: 1});
		case 'host-previous':
			return act({type: 'select-host', delta: -1});
		case 'host-next':
			return act({type: 'select-host', delta: 1});
		case 'stop-daemon':
			if (!host || !daemon) return nothing;
			return toHost({type: 'stop', daemon: daemon.name}, `Stopping ${daemon.name} on ${host.label}…`);
		case 'restart-daemon': {
			if (!host || !daemon) return nothing;
			const down = daemon.state === 'stopped' || daemon.state === 'failed' || daemon.state === 'crashed';
			return toHost({type: down ? 'start' : 'restart', daemon: daemon.name}, `${down ? 'Starting' : 'Restarting'} ${daemon.name} on ${host.label}…`);
		}
		case 'stop-all':
			return host ? act({type: 'dialog', dialog: 'confirm-stop-all'}) : nothing;
		case 'quit-host':
			return host ? act({type: 'dialog', dialog: 'confirm-quit-host'}) : nothing;
		case 'stop-host':
			if (!host) return nothing;
			return toHost({type: 'stop-all'}, `Stopping every daemon of ${host.label}…`);
		case 'confirm-yes':
			if (!host) return nothing;
			return toHost({type: 'quit-all'}, `Force-quitting every daemon of ${host.label}…`);
		case 'stop-everywhere': {
			const live = state.hosts.filter(hostLive);
			const skipped = state.hosts.length - live.length;
			return {
				actions: [{type: 'dialog'}, {type: 'notice', text: `Stopping every daemon of ${live.length} host${live.length === 1 ? '' : 's'}…${skipped > 0 ? ` (${skipped} not connected: nothing sent to them)` : ''}`}],
				effects: live.map(each => ({type: 'send', host: each.label, command: {type: 'stop-all'}})),
			};
		}
	}
}

/** A key no binding takes: the search being typed, as on the dashboard. */
export function fleetText(state: FleetState, input: string, key: Key): FleetOutcome {
	const host = selectedHost(state);
	if (state.ended || !host) return nothing;
	const outcome = dashboardText(host.board, input, key);
	return act(...outcome.actions.map((action): FleetAction => ({type: 'board', action})));
}

export function fleetRules(context: FleetKeyContext): ScreenRules<FleetState, FleetAction, FleetEffect, FleetCommand, FleetMode> {
	return {
		keymap: fleetKeymap,
		reducer: fleetReducer,
		mode: fleetMode,
		interpret: (state, command) => interpretFleet(state, command, context),
		unbound: fleetText,
	};
}
