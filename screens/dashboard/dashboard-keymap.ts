import {k, type Keymap} from '../runtime/keymap.js';
import {answerBindings, answerDescriptions, closeHelpBinding, helpDescriptions} from '../runtime/shared-bindings.js';
import {logBindings, logDescriptions, searchBindings} from './log-commands.js';

/**
 * The dashboard's modes: the list (daemonised; with --no-daemon `list-foreground`, where there is
 * nothing to detach from), a search pattern being typed, the help, and the three questions.
 */
export type DashboardMode = 'list' | 'list-foreground' | 'search' | 'help' | 'confirm-quit-all' | 'confirm-leave' | 'confirm-stop';

const dashboardDescriptions = {
	'select-previous': 'select: the daemon above',
	'select-next': 'select: the daemon below',
	'stop-daemon': 'stop: the selected daemon',
	'restart-daemon': 'restart: the selected daemon (starts it when stopped)',
	'stop-all': 'stop all: every daemon, gracefully, and the supervisor',
	'quit-all': 'force-quit all: SIGKILL every daemon (asks first)',
	detach: 'detach: leave everything running, re-attach with `ampzero run NAME`',
	leave: 'leave: asks to stop everything (or to detach, when daemonised)',
	interrupt: 'with --no-daemon: stop everything, twice: force; else like q',
	'confirm-yes': 'yes: force-quit every daemon',
	'leave-stop': 'stop everything, then leave',
	'leave-detach': 'detach: leave everything running',
	'confirm-cancel': 'cancel: back to the dashboard',
	...logDescriptions,
	...answerDescriptions,
	...helpDescriptions,
} as const;

export type DashboardCommand = keyof typeof dashboardDescriptions;

const lists: DashboardMode[] = ['list', 'list-foreground'];
const questions: DashboardMode[] = ['confirm-quit-all', 'confirm-leave', 'confirm-stop'];
const char = k.char;

export const dashboardKeymap: Keymap<DashboardCommand, DashboardMode> = {
	descriptions: dashboardDescriptions,
	bindings: [
		{command: 'select-previous', keys: [k.up, char('k')], modes: lists, footer: true},
		{command: 'select-next', keys: [k.down, char('j')], modes: lists, footer: true},
		{command: 'stop-daemon', keys: [char('s')], modes: lists, footer: true},
		{command: 'restart-daemon', keys: [char('r')], modes: lists, footer: true},
		{command: 'stop-all', keys: [char('S')], modes: lists, footer: true},
		{command: 'quit-all', keys: [char('Q')], modes: lists},
		// With --no-daemon (list-foreground) there is nothing to detach from.
		{command: 'detach', keys: [char('d')], modes: ['list'], footer: true},
		{command: 'leave', keys: [char('q')], modes: lists, footer: true},
		...logBindings(lists, {rawInFooter: true}),
		{command: 'interrupt', keys: [k.ctrlC]},
		...searchBindings,
		{command: 'confirm-yes', keys: [char('y')], aliases: [char('Y')], modes: ['confirm-quit-all'], footer: true},
		{command: 'leave-stop', keys: [char('s')], aliases: [char('y')], modes: ['confirm-leave', 'confirm-stop'], footer: true},
		{command: 'leave-detach', keys: [char('d')], modes: ['confirm-leave'], footer: true},
		{command: 'confirm-cancel', keys: [char('n'), k.esc], aliases: [char('N'), char('c')], modes: questions, footer: true},
		...answerBindings(questions),
		// The search being typed has no help: `?` is text there.
		{command: 'help', keys: [char('?')], modes: [...lists, ...questions], footer: true},
		closeHelpBinding,
	],
};
