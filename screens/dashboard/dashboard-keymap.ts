import {answerDescriptions, helpDescriptions, k, type Keymap} from '../runtime/keymap.js';

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
	'scroll-back': 'scroll the log back a page (stops following)',
	'scroll-forward': 'scroll the log forward a page',
	follow: 'follow: new log lines again',
	search: 'search: the log as shown, type a pattern then Enter',
	'toggle-raw': 'raw: the log lines as written, or formatted (time level message key=value)',
	'search-older': 'next (older) match',
	'search-newer': 'previous (newer) match',
	'search-clear': 'leave the search (clear highlights)',
	interrupt: 'with --no-daemon: stop everything, twice: force; else like q',
	'search-submit': 'find: the pattern',
	'search-cancel': 'leave: the search',
	'confirm-yes': 'yes: force-quit every daemon',
	'leave-stop': 'stop everything, then leave',
	'leave-detach': 'detach: leave everything running',
	'confirm-cancel': 'cancel: back to the dashboard',
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
		{command: 'scroll-back', keys: [{name: 'pageUp'}], modes: lists},
		{command: 'scroll-forward', keys: [{name: 'pageDown'}], modes: lists},
		{command: 'follow', keys: [{name: 'end'}], modes: lists},
		{command: 'search', keys: [char('/')], modes: lists, footer: true},
		{command: 'toggle-raw', keys: [char('v')], modes: lists, footer: true},
		{command: 'search-older', keys: [char('n')], modes: lists},
		{command: 'search-newer', keys: [char('N')], modes: lists},
		{command: 'search-clear', keys: [k.esc], modes: lists},
		{command: 'interrupt', keys: [k.ctrlC]},
		{command: 'search-submit', keys: [k.enter], modes: ['search'], footer: true},
		{command: 'search-cancel', keys: [k.esc], modes: ['search'], footer: true},
		{command: 'confirm-yes', keys: [char('y')], aliases: [char('Y')], modes: ['confirm-quit-all'], footer: true},
		{command: 'leave-stop', keys: [char('s')], aliases: [char('y')], modes: ['confirm-leave', 'confirm-stop'], footer: true},
		{command: 'leave-detach', keys: [char('d')], modes: ['confirm-leave'], footer: true},
		{command: 'confirm-cancel', keys: [char('n'), k.esc], aliases: [char('N'), char('c')], modes: questions, footer: true},
		// A question's list acts on these keys itself; the entries say what they do and keep them from other bindings.
		{command: 'answer-next', keys: [k.down, char('j')], modes: questions},
		{command: 'answer-previous', keys: [k.up, char('k')], modes: questions},
		{command: 'answer-given', keys: [k.enter], aliases: [k.digit], modes: questions},
		// The search being typed has no help: `?` is text there.
		{command: 'help', keys: [char('?')], modes: [...lists, ...questions], footer: true},
		{command: 'close-help', keys: [k.esc, char('q'), char('?')], aliases: [k.ctrlSlash], modes: ['help'], footer: true},
	],
};
