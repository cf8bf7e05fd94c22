import type {Key} from 'ink';
import type {SupervisorCommand} from '../../services/supervisor/events.js';
import {isAnswerCommand} from '../runtime/shared-bindings.js';
import {act, nothing, type Outcome, type ScreenRules} from '../runtime/use-screen.js';
import {dashboardKeymap, type DashboardCommand, type DashboardMode} from './dashboard-keymap.js';
import {dashboardReducer, selectedDaemon, type DashboardAction, type DashboardState} from './dashboard-reducer.js';
import {isLogCommand, logAction} from './log-commands.js';

export interface KeyContext {
	/** --no-daemon: the supervisor lives in this process, so leaving means stopping it. */
	ownsSupervisor: boolean;
	/** Rows of the log pane: a page, and where a search match is revealed. */
	logRows: number;
}

/** What the dashboard does outside itself: a command for the supervisor. */
export interface DashboardEffect {
	type: 'send';
	command: SupervisorCommand;
}

/** What a key press asks for: what happened on screen (for the reducer) and commands for the supervisor. */
export type DashboardOutcome = Outcome<DashboardAction, DashboardEffect>;

const send = (command: SupervisorCommand, ...actions: DashboardAction[]): DashboardOutcome => ({actions, effects: [{type: 'send', command}]});

/** The bindings-table mode the dashboard is in: it picks the footer and which keys apply. */
export function dashboardMode(state: DashboardState, ownsSupervisor: boolean): DashboardMode {
	if (state.search.phase === 'typing') return 'search';
	if (state.dialog === 'help') return 'help';
	if (state.dialog === 'confirm-quit-all') return 'confirm-quit-all';
	if (state.dialog === 'confirm-leave') return ownsSupervisor ? 'confirm-stop' : 'confirm-leave';
	// With --no-daemon there is nothing to detach from: that mode leaves `d` out.
	return ownsSupervisor ? 'list-foreground' : 'list';
}

const none: DashboardOutcome = nothing;

/** What a command means in this state (a key gave it, or an answer picked from a question's list). Pure: the screen reduces and sends what it returns. */
function interpretDashboard(state: DashboardState, command: DashboardCommand, context: KeyContext): DashboardOutcome {
	if (state.ended || isAnswerCommand(command)) return none;
	if (isLogCommand(command)) {
		const action = logAction(state, command, context.logRows);
		return action ? act(action) : none;
	}
	const daemon = selectedDaemon(state);
	const name = state.info?.instance ?? 'the instance';
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
			return send({type: 'stop', daemon: daemon.name}, {type: 'notice', text: `Stopping ${daemon.name}…`});
		case 'restart-daemon': {
			if (!daemon) return none;
			const down = daemon.state === 'stopped' || daemon.state === 'failed' || daemon.state === 'crashed';
			return send({type: down ? 'start' : 'restart', daemon: daemon.name}, {type: 'notice', text: `${down ? 'Starting' : 'Restarting'} ${daemon.name}…`});
		}
		case 'stop-all':
		case 'leave-stop':
			return send({type: 'stop-all'}, {type: 'stopping', how: 'graceful'}, {type: 'notice', text: `Stopping every daemon of ${name}…`});
		case 'quit-all':
			return act({type: 'dialog', dialog: 'confirm-quit-all'});
		case 'confirm-yes':
			return send({type: 'quit-all'}, {type: 'stopping', how: 'forced'}, {type: 'notice', text: `Force-quitting every daemon of ${name}…`});
		case 'detach':
		case 'leave-detach':
			return context.ownsSupervisor ? none : act({type: 'detach'});
		case 'leave':
			return act({type: 'dialog', dialog: 'confirm-leave'});
	}
}

/** ^C: with --no-daemon, stop everything, and on a second one force; daemonised, ask like q, and a second one detaches. */
function interrupt(state: DashboardState, context: KeyContext): DashboardOutcome {
	const name = state.info?.instance ?? 'the instance';
	if (!context.ownsSupervisor) {
		// A second ^C at the question is taken as "just let me out".
		if (state.dialog === 'confirm-leave') return act({type: 'detach'});
		return act({type: 'dialog', dialog: 'confirm-leave'});
	}
	if (state.stopping === 'no') {
		return send({type: 'stop-all'}, {type: 'stopping', how: 'graceful'}, {type: 'notice', text: `Stopping every daemon of ${name}… ^C again to force-quit`});
	}
	if (state.stopping === 'graceful') {
		return send({type: 'quit-all'}, {type: 'stopping', how: 'forced'}, {type: 'notice', text: `Force-quitting every daemon of ${name}…`});
	}
	return none;
}

/** A key no binding takes: in the search being typed, text is added and Backspace takes the last character. */
export function dashboardText(state: DashboardState, input: string, key: Key): DashboardOutcome {
	if (state.ended || state.search.phase !== 'typing') return none;
	const text = state.search.text;
	if (key.backspace || key.delete) return act({type: 'search-text', text: text.slice(0, -1)});
	if (key.ctrl || key.meta || input === '' || key.upArrow || key.downArrow || key.pageUp || key.pageDown) return none;
	return act({type: 'search-text', text: text + input});
}

/** The dashboard's keys and commands in a context. */
export function dashboardRules(context: KeyContext): ScreenRules<DashboardState, DashboardAction, DashboardEffect, DashboardCommand, DashboardMode> {
	return {
		keymap: dashboardKeymap,
		reducer: dashboardReducer,
		mode: state => dashboardMode(state, context.ownsSupervisor),
		interpret: (state, command) => interpretDashboard(state, command, context),
		unbound: dashboardText,
	};
}
