import type {Key} from 'ink';

/** The full-screen views that take keys. */
export type Screen = 'init' | 'dashboard' | 'deploy';

export interface Binding {
	id: string;
	/** How the footer and the help overlay show the keys, e.g. `↑/k`. */
	keys: string;
	description: string;
	screens: Screen[];
	/**
	 * Within a screen, the states where the key applies (e.g. the init screen's `form` or `done`).
	 * Absent: every state of the screen.
	 */
	modes?: string[];
	/** Whether the footer shows it (the help overlay lists every binding). */
	footer?: boolean;
	match(input: string, key: Key): boolean;
}

/**
 * Every keyboard shortcut of the app. The footer, the help overlay and the input handlers all
 * read this table, so a key is described where it is handled.
 */
export const bindings: readonly Binding[] = [
	{
		id: 'next-field',
		keys: 'Tab/↓',
		description: 'next field',
		screens: ['init'],
		modes: ['form'],
		footer: true,
		match: (_input, key) => (key.tab && !key.shift) || key.downArrow,
	},
	{
		id: 'previous-field',
		keys: 'S-Tab/↑',
		description: 'previous field',
		screens: ['init'],
		modes: ['form'],
		footer: true,
		match: (_input, key) => (key.tab && key.shift) || key.upArrow,
	},
	{
		id: 'toggle-choice',
		keys: 'Space/←/→',
		description: 'switch a choice field (setup)',
		screens: ['init'],
		modes: ['form'],
		match: (input, key) => input === ' ' || key.leftArrow || key.rightArrow,
	},
	{
		id: 'clear-field',
		keys: '^U',
		description: 'clear the field',
		screens: ['init'],
		modes: ['form'],
		match: (input, key) => key.ctrl && input === 'u',
	},
	{
		id: 'submit',
		keys: 'Enter',
		description: 'create the instance',
		screens: ['init'],
		modes: ['form'],
		footer: true,
		match: (_input, key) => key.return,
	},
	{
		id: 'cancel',
		keys: 'Esc',
		description: 'cancel: nothing is written',
		screens: ['init'],
		modes: ['form'],
		footer: true,
		match: (_input, key) => key.escape,
	},
	{
		id: 'sudo-yes',
		keys: 'y',
		description: 'run the sudo commands shown',
		screens: ['init'],
		modes: ['root-problem'],
		footer: true,
		match: input => input === 'y' || input === 'Y',
	},
	{
		id: 'sudo-no',
		keys: 'n/Esc',
		description: 'do not run them: print them and stop',
		screens: ['init'],
		modes: ['root-problem'],
		footer: true,
		match: (input, key) => input === 'n' || input === 'N' || key.escape,
	},
	{
		id: 'abort',
		keys: '^C',
		description: 'stop: cancel the form, or abort creation (nothing is left on disk)',
		screens: ['init'],
		modes: ['form', 'root-problem', 'creating'],
		footer: true,
		match: (input, key) => key.ctrl && input === 'c',
	},
	{
		id: 'finish',
		keys: 'Enter/q',
		description: 'leave',
		screens: ['init'],
		modes: ['done', 'failed'],
		footer: true,
		match: (input, key) => key.return || input === 'q' || key.escape || (key.ctrl && input === 'c'),
	},
	{
		id: 'select',
		keys: '↑↓/jk',
		description: 'select: the daemon above or below',
		screens: ['dashboard'],
		modes: ['list', 'list-foreground'],
		footer: true,
		match: (input, key) => key.upArrow || key.downArrow || input === 'k' || input === 'j',
	},
	{
		id: 'stop-daemon',
		keys: 's',
		description: 'stop: the selected daemon',
		screens: ['dashboard'],
		modes: ['list', 'list-foreground'],
		footer: true,
		match: input => input === 's',
	},
	{
		id: 'restart-daemon',
		keys: 'r',
		description: 'restart: the selected daemon (starts it when stopped)',
		screens: ['dashboard'],
		modes: ['list', 'list-foreground'],
		footer: true,
		match: input => input === 'r',
	},
	{
		id: 'stop-all',
		keys: 'S',
		description: 'stop all: every daemon, gracefully, and the supervisor',
		screens: ['dashboard'],
		modes: ['list', 'list-foreground'],
		footer: true,
		match: input => input === 'S',
	},
	{
		id: 'quit-all',
		keys: 'Q',
		description: 'force-quit all: SIGKILL every daemon (asks first)',
		screens: ['dashboard'],
		modes: ['list', 'list-foreground'],
		match: input => input === 'Q',
	},
	{
		id: 'detach',
		keys: 'd',
		description: 'detach: leave everything running, re-attach with `ampzero run NAME`',
		screens: ['dashboard'],
		modes: ['list'],
		footer: true,
		match: input => input === 'd',
	},
	{
		id: 'leave',
		keys: 'q',
		description: 'leave: asks to stop everything (or to detach, when daemonised)',
		screens: ['dashboard'],
		modes: ['list', 'list-foreground'],
		footer: true,
		match: input => input === 'q',
	},
	{
		id: 'scroll',
		keys: 'PgUp/PgDn',
		description: 'scroll the log back or forward (stops following)',
		screens: ['dashboard'],
		modes: ['list', 'list-foreground'],
		match: (_input, key) => key.pageUp || key.pageDown,
	},
	{
		id: 'follow',
		keys: 'End',
		description: 'follow new log lines again',
		screens: ['dashboard'],
		modes: ['list', 'list-foreground'],
		match: (_input, key) => key.end,
	},
	{
		id: 'search',
		keys: '/',
		description: 'search: the log, type a pattern then Enter',
		screens: ['dashboard'],
		modes: ['list', 'list-foreground'],
		footer: true,
		match: input => input === '/',
	},
	{
		id: 'search-step',
		keys: 'n/N',
		description: 'next (older) / previous (newer) match',
		screens: ['dashboard'],
		modes: ['list', 'list-foreground'],
		match: input => input === 'n' || input === 'N',
	},
	{
		id: 'search-clear',
		keys: 'Esc',
		description: 'leave the search (clear highlights)',
		screens: ['dashboard'],
		modes: ['list', 'list-foreground'],
		match: (_input, key) => key.escape,
	},
	{
		id: 'interrupt',
		keys: '^C',
		description: 'with --no-daemon: stop everything, twice: force; else like q',
		screens: ['dashboard'],
		match: (input, key) => key.ctrl && input === 'c',
	},
	{
		id: 'search-submit',
		keys: 'Enter',
		description: 'find the pattern',
		screens: ['dashboard'],
		modes: ['search'],
		footer: true,
		match: (_input, key) => key.return,
	},
	{
		id: 'search-cancel',
		keys: 'Esc',
		description: 'leave the search',
		screens: ['dashboard'],
		modes: ['search'],
		footer: true,
		match: (_input, key) => key.escape,
	},
	{
		id: 'confirm-yes',
		keys: 'y',
		description: 'yes: force-quit every daemon',
		screens: ['dashboard'],
		modes: ['confirm-quit-all'],
		footer: true,
		match: input => input === 'y' || input === 'Y',
	},
	{
		id: 'leave-stop',
		keys: 's',
		description: 'stop everything, then leave',
		screens: ['dashboard'],
		modes: ['confirm-leave', 'confirm-stop'],
		footer: true,
		match: (input, key) => input === 's' || input === 'y' || key.return,
	},
	{
		id: 'leave-detach',
		keys: 'd',
		description: 'detach: leave everything running',
		screens: ['dashboard'],
		modes: ['confirm-leave'],
		footer: true,
		match: input => input === 'd',
	},
	{
		id: 'confirm-cancel',
		keys: 'n/Esc',
		description: 'cancel: back to the dashboard',
		screens: ['dashboard'],
		modes: ['confirm-quit-all', 'confirm-leave', 'confirm-stop'],
		footer: true,
		match: (input, key) => input === 'n' || input === 'N' || input === 'c' || key.escape,
	},
	{
		id: 'help',
		keys: '?',
		description: 'show or hide this help',
		screens: ['init', 'dashboard'],
		footer: true,
		match: input => input === '?',
	},
	{
		id: 'close-help',
		keys: 'Esc/q',
		description: 'close the help',
		screens: ['init', 'dashboard'],
		modes: ['help'],
		match: (input, key) => key.escape || input === 'q',
	},
	// The deploy screen. Modes: running, confirm-abort, aborting, finished, help.
	{
		id: 'deploy-interrupt',
		keys: '^C',
		description: 'abort: asks first, a second ^C aborts; the rollback still runs',
		screens: ['deploy'],
		match: (input, key) => key.ctrl && input === 'c',
	},
	{
		id: 'deploy-select',
		keys: '↑↓/jk',
		description: 'select: the host above or below, to see its output',
		screens: ['deploy'],
		modes: ['running', 'aborting', 'finished'],
		footer: true,
		match: (input, key) => key.upArrow || key.downArrow || input === 'k' || input === 'j',
	},
	{
		id: 'deploy-abort',
		keys: 'a',
		description: 'abort: every host goes back to the release it had (asks first)',
		screens: ['deploy'],
		modes: ['running'],
		footer: true,
		match: input => input === 'a',
	},
	{
		id: 'deploy-abort-yes',
		keys: 'y',
		description: 'yes: abort the deploy and roll every host back',
		screens: ['deploy'],
		modes: ['confirm-abort'],
		footer: true,
		match: input => input === 'y' || input === 'Y',
	},
	{
		id: 'deploy-abort-no',
		keys: 'n/Esc',
		description: 'no: keep deploying',
		screens: ['deploy'],
		modes: ['confirm-abort'],
		footer: true,
		match: (input, key) => input === 'n' || input === 'N' || key.escape,
	},
	{
		id: 'deploy-leave',
		keys: 'q',
		description: 'leave: the deploy has ended',
		screens: ['deploy'],
		modes: ['finished'],
		footer: true,
		match: (input, key) => input === 'q' || key.escape || key.return,
	},
	{
		id: 'deploy-leave-early',
		keys: 'q',
		description: 'leave: only after the end (until then, `a` aborts)',
		screens: ['deploy'],
		modes: ['running', 'aborting'],
		match: input => input === 'q',
	},
	{
		id: 'deploy-help',
		keys: '?',
		description: 'show or hide this help',
		screens: ['deploy'],
		footer: true,
		match: input => input === '?',
	},
	{
		id: 'deploy-close-help',
		keys: 'Esc/q',
		description: 'close the help',
		screens: ['deploy'],
		modes: ['help'],
		match: (input, key) => key.escape || input === 'q',
	},
];

function applies(binding: Binding, screen: Screen, mode: string | undefined): boolean {
	if (!binding.screens.includes(screen)) return false;
	return mode === undefined || binding.modes === undefined || binding.modes.includes(mode);
}

/** The bindings of a screen, in table order; with `mode`, only those that apply in it. */
export function bindingsFor(screen: Screen, mode?: string): Binding[] {
	return bindings.filter(binding => applies(binding, screen, mode));
}

/** The id of the first binding of the screen (and mode) that this key press matches. */
export function matchBinding(screen: Screen, input: string, key: Key, mode?: string): string | undefined {
	return bindings.find(binding => applies(binding, screen, mode) && binding.match(input, key))?.id;
}
