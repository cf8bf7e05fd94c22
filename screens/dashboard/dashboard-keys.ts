import type {Key} from 'ink';
import type {SupervisorCommand} from '../../services/supervisor/events.js';
import {matchBinding} from '../bindings.js';
import {dashboardReducer, selectedDaemon, type DashboardAction, type DashboardState} from './dashboard-reducer.js';

export interface KeyContext {
	/** --no-daemon: the supervisor lives in this process, so leaving means stopping it. */
	ownsSupervisor: boolean;
	/** Rows of the log pane: a page, and where a search match is revealed. */
	logRows: number;
}

/** What a key press asks for: state changes, commands for the supervisor, or a detach. */
export interface KeyOutcome {
	actions: DashboardAction[];
	commands: SupervisorCommand[];
	detach?: boolean;
}

/** The bindings-table mode the dashboard is in: it picks the footer and which keys apply. */
export function dashboardMode(state: DashboardState, ownsSupervisor: boolean): string {
	if (state.search.phase === 'typing') return 'search';
	if (state.dialog === 'help') return 'help';
	if (state.dialog === 'confirm-quit-all') return 'confirm-quit-all';
	if (state.dialog === 'confirm-leave') return ownsSupervisor ? 'confirm-stop' : 'confirm-leave';
	// With --no-daemon there is nothing to detach from: that mode leaves `d` out.
	return ownsSupervisor ? 'list-foreground' : 'list';
}

const none: KeyOutcome = {actions: [], commands: []};

export function interpretKey(state: DashboardState, input: string, key: Key, context: KeyContext): KeyOutcome {
	if (state.ended) return none;
	const mode = dashboardMode(state, context.ownsSupervisor);
	const id = matchBinding('dashboard', input, key, mode);

	if (id === 'interrupt') return interrupt(state, context);
	if (mode === 'search') return searchTyping(state, input, key, id, context);

	const daemon = selectedDaemon(state);
	const name = state.info?.instance ?? 'the instance';
	switch (id) {
		case 'help':
			return {actions: [{type: 'dialog', dialog: state.dialog === 'help' ? undefined : 'help'}], commands: []};
		case 'close-help':
		case 'confirm-cancel':
			return {actions: [{type: 'dialog'}], commands: []};
		case 'select':
			return {actions: [{type: 'select', delta: key.upArrow || input === 'k' ? -1 : 1}], commands: []};
		case 'stop-daemon':
			if (!daemon) return none;
			return {actions: [{type: 'notice', text: `Stopping ${daemon.name}…`}], commands: [{type: 'stop', daemon: daemon.name}]};
		case 'restart-daemon': {
			if (!daemon) return none;
			const down = daemon.state === 'stopped' || daemon.state === 'failed' || daemon.state === 'crashed';
			return {
				actions: [{type: 'notice', text: `${down ? 'Starting' : 'Restarting'} ${daemon.name}…`}],
				commands: [{type: down ? 'start' : 'restart', daemon: daemon.name}],
			};
		}
		case 'stop-all':
		case 'leave-stop':
			return {actions: [{type: 'stopping', how: 'graceful'}, {type: 'notice', text: `Stopping every daemon of ${name}…`}], commands: [{type: 'stop-all'}]};
		case 'quit-all':
			return {actions: [{type: 'dialog', dialog: 'confirm-quit-all'}], commands: []};
		case 'confirm-yes':
			return {actions: [{type: 'stopping', how: 'forced'}, {type: 'notice', text: `Force-quitting every daemon of ${name}…`}], commands: [{type: 'quit-all'}]};
		case 'detach':
		case 'leave-detach':
			return context.ownsSupervisor ? none : {actions: [], commands: [], detach: true};
		case 'leave':
			return {actions: [{type: 'dialog', dialog: 'confirm-leave'}], commands: []};
		case 'scroll':
			return {actions: [{type: 'scroll', delta: key.pageUp ? -pageOf(context) : pageOf(context), rows: context.logRows}], commands: []};
		case 'follow':
			return {actions: [{type: 'follow'}], commands: []};
		case 'search':
			return {actions: [{type: 'search-start'}], commands: []};
		case 'search-step':
			return {actions: [{type: 'search-step', direction: input === 'N' ? 'newer' : 'older', rows: context.logRows}], commands: []};
		case 'search-clear':
			return state.search.phase === 'active' ? {actions: [{type: 'search-exit'}], commands: []} : none;
		default:
			return none;
	}
}

function pageOf(context: KeyContext): number {
	return Math.max(1, context.logRows - 1);
}

function interrupt(state: DashboardState, context: KeyContext): KeyOutcome {
	const name = state.info?.instance ?? 'the instance';
	if (!context.ownsSupervisor) {
		// Daemonised, ^C only ever detaches: a second ^C at the question is taken as "just let me out".
		if (state.dialog === 'confirm-leave') return {actions: [], commands: [], detach: true};
		return {actions: [{type: 'dialog', dialog: 'confirm-leave'}], commands: []};
	}
	if (state.stopping === 'no') {
		return {
			actions: [{type: 'stopping', how: 'graceful'}, {type: 'notice', text: `Stopping every daemon of ${name}… ^C again to force-quit`}],
			commands: [{type: 'stop-all'}],
		};
	}
	if (state.stopping === 'graceful') {
		return {actions: [{type: 'stopping', how: 'forced'}, {type: 'notice', text: `Force-quitting every daemon of ${name}…`}], commands: [{type: 'quit-all'}]};
	}
	return none;
}

function searchTyping(state: DashboardState, input: string, key: Key, id: string | undefined, context: KeyContext): KeyOutcome {
	if (state.search.phase !== 'typing') return none;
	if (id === 'search-submit') return {actions: [{type: 'search-submit', rows: context.logRows}], commands: []};
	if (id === 'search-cancel') return {actions: [{type: 'search-exit'}], commands: []};
	const text = state.search.text;
	if (key.backspace || key.delete) return {actions: [{type: 'search-text', text: text.slice(0, -1)}], commands: []};
	if (key.ctrl || key.meta || input === '' || key.upArrow || key.downArrow || key.pageUp || key.pageDown) return none;
	return {actions: [{type: 'search-text', text: text + input}], commands: []};
}

/** A key press, folded like any other action so it always sees the latest state. */
export type DashboardInput = DashboardAction | {type: 'key'; input: string; key: Key; context: KeyContext};

export function dashboardInputReducer(state: DashboardState, action: DashboardInput): DashboardState {
	if (action.type !== 'key') return dashboardReducer(state, action);
	const presses = splitPresses(action.input, action.key);
	if (presses.length > 1) return presses.reduce((next, [input, key]) => dashboardInputReducer(next, {...action, input, key}), state);
	const outcome = interpretKey(state, action.input, action.key, action.context);
	let next = state;
	for (const step of outcome.actions) next = dashboardReducer(next, step);
	if (outcome.commands.length > 0) next = dashboardReducer(next, {type: 'send', commands: outcome.commands});
	if (outcome.detach) next = dashboardReducer(next, {type: 'detach'});
	return next;
}

/**
 * Keys typed faster than Ink reads them arrive as one string ("jjj", "err\r"): one press per
 * character, so each acts on the state the previous one left.
 */
function splitPresses(input: string, key: Key): Array<[string, Key]> {
	if (input.length <= 1 || key.ctrl || key.meta) return [[input, key]];
	const plain: Key = {...key, shift: false};
	return [...input].map((char): [string, Key] => {
		if (char === '\r' || char === '\n') return ['', {...plain, return: true}];
		if (char === '\u007F' || char === '\b') return ['', {...plain, backspace: true}];
		if (char === '\u001B') return ['', {...plain, escape: true}];
		const code = char.codePointAt(0) ?? 0;
		if (code < 32) return [String.fromCodePoint(code + 96), {...plain, ctrl: true}];
		return [char, {...plain, shift: /[A-Z]/.test(char)}];
	});
}
