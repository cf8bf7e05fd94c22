import type {Key} from 'ink';
import type {SupervisorCommand} from '../../services/supervisor/events.js';
import {matchCommand, type Command} from '../bindings.js';
import {selectedDaemon, type DashboardAction, type DashboardState} from './dashboard-reducer.js';

export interface KeyContext {
	/** --no-daemon: the supervisor lives in this process, so leaving means stopping it. */
	ownsSupervisor: boolean;
	/** Rows of the log pane: a page, and where a search match is revealed. */
	logRows: number;
}

/** What a key press asks for: what happened on screen (for the reducer) and commands for the supervisor. */
export interface KeyOutcome {
	actions: DashboardAction[];
	commands: SupervisorCommand[];
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
const act = (...actions: DashboardAction[]): KeyOutcome => ({actions, commands: []});

/** Decides what one key press means in this state. Pure: the key handler dispatches and sends what it returns. */
export function interpretKey(state: DashboardState, input: string, key: Key, context: KeyContext): KeyOutcome {
	if (state.ended) return none;
	const mode = dashboardMode(state, context.ownsSupervisor);
	const command = matchCommand('dashboard', input, key, mode);
	if (command === undefined) return mode === 'search' ? searchText(state, input, key) : none;
	return commandOutcome(state, command, context);
}

/** What a command means in this state (a key gave it, or an answer picked from a question's list). */
export function commandOutcome(state: DashboardState, command: Command, context: KeyContext): KeyOutcome {
	const daemon = selectedDaemon(state);
	const name = state.info?.instance ?? 'the instance';
	const page = Math.max(1, context.logRows - 1);
	switch (command) {
		case 'interrupt':
			return interrupt(state, context);
		case 'help':
			return act({type: 'dialog', dialog: state.dialog === 'help' ? undefined : 'help'});
		case 'close-help':
		case 'confirm-cancel':
			return act({type: 'dialog'});
		case 'select-previous':
			return act({type: 'select', delta: -1});
		case 'select-next':
			return act({type: 'select', delta: 1});
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
			return act({type: 'dialog', dialog: 'confirm-quit-all'});
		case 'confirm-yes':
			return {actions: [{type: 'stopping', how: 'forced'}, {type: 'notice', text: `Force-quitting every daemon of ${name}…`}], commands: [{type: 'quit-all'}]};
		case 'detach':
		case 'leave-detach':
			return context.ownsSupervisor ? none : act({type: 'detach'});
		case 'leave':
			return act({type: 'dialog', dialog: 'confirm-leave'});
		case 'scroll-back':
			return act({type: 'scroll', delta: -page, rows: context.logRows});
		case 'scroll-forward':
			return act({type: 'scroll', delta: page, rows: context.logRows});
		case 'follow':
			return act({type: 'follow'});
		case 'search':
			return act({type: 'search-start'});
		case 'toggle-raw':
			return act({type: 'show-raw', raw: !state.raw});
		case 'search-older':
			return act({type: 'search-step', direction: 'older', rows: context.logRows});
		case 'search-newer':
			return act({type: 'search-step', direction: 'newer', rows: context.logRows});
		case 'search-clear':
			return state.search.phase === 'active' ? act({type: 'search-exit'}) : none;
		case 'search-submit':
			return act({type: 'search-submit', rows: context.logRows});
		case 'search-cancel':
			return act({type: 'search-exit'});
		default:
			// The init screen's commands: never matched on the dashboard.
			return none;
	}
}

/** ^C: with --no-daemon, stop everything, and on a second one force; daemonised, ask like q, and a second one detaches. */
function interrupt(state: DashboardState, context: KeyContext): KeyOutcome {
	const name = state.info?.instance ?? 'the instance';
	if (!context.ownsSupervisor) {
		// A second ^C at the question is taken as "just let me out".
		if (state.dialog === 'confirm-leave') return act({type: 'detach'});
		return act({type: 'dialog', dialog: 'confirm-leave'});
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

/** A key typed into the search pattern: text is added, Backspace takes the last character. */
function searchText(state: DashboardState, input: string, key: Key): KeyOutcome {
	if (state.search.phase !== 'typing') return none;
	const text = state.search.text;
	if (key.backspace || key.delete) return act({type: 'search-text', text: text.slice(0, -1)});
	if (key.ctrl || key.meta || input === '' || key.upArrow || key.downArrow || key.pageUp || key.pageDown) return none;
	return act({type: 'search-text', text: text + input});
}

/**
 * Keys typed faster than Ink reads them arrive as one string ("jjj", "err\r"): one press per
 * character, so each acts on the state the previous one left.
 */
export function keyPresses(input: string, key: Key): Array<[string, Key]> {
	if (input.length <= 1 || key.ctrl || key.meta) return [[input, key]];
	const plain: Key = {...key, shift: false};
	return [...input].map((char): [string, Key] => {
		if (char === '\r' || char === '\n') return ['', {...plain, return: true}];
		if (char === '\u007F' || char === '\b') return ['', {...plain, backspace: true}];
		if (char === '\u001B') return ['', {...plain, escape: true}];
		const code = char.codePointAt(0) ?? 0;
		if (code === 0x1f) return [char, plain];
		if (code < 32) return [String.fromCodePoint(code + 96), {...plain, ctrl: true}];
		return [char, {...plain, shift: /[A-Z]/.test(char)}];
	});
}
