import type {Key} from 'ink';

/** The full-screen views that take keys. */
export type Screen = 'init' | 'dashboard' | 'deploy';

/**
 * Every command a key can give, with what it does (the help overlay shows this text; the footer
 * the part before the colon). One command per direction: a handler never re-reads the key.
 * A new command goes here, then into `bindings` below.
 */
export const commandDescriptions = {
	'next-field': 'next field',
	'previous-field': 'previous field',
	'choice-next': 'choose: the next choice (there Tab moves on)',
	'choice-previous': 'choose: the previous choice',
	'choice-pick': 'choose: a choice by its number',
	'clear-field': 'clear the field',
	submit: 'create the instance',
	cancel: 'cancel: nothing is written',
	'sudo-yes': 'run the sudo commands shown',
	'sudo-no': 'do not run them: print them and stop',
	abort: 'stop: cancel the form, or abort creation (nothing is left on disk)',
	finish: 'leave',
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
	'answer-next': 'choose: the next answer',
	'answer-previous': 'choose: the previous answer',
	'answer-given': 'answer: the chosen one (or its number)',
	help: 'show or hide this help',
	'close-help': 'close the help',
	'deploy-interrupt': 'abort: asks first, a second ^C aborts; the rollback still runs',
	'deploy-select-previous': 'select: the host above, to see its output',
	'deploy-select-next': 'select: the host below, to see its output',
	'deploy-abort': 'abort: every host goes back to the release it had (asks first)',
	'deploy-abort-yes': 'yes: abort the deploy and roll every host back',
	'deploy-abort-no': 'no: keep deploying',
	'deploy-leave': 'leave: the deploy has ended',
	'deploy-leave-early': 'leave: only after the end (until then, `a` aborts)',
} as const satisfies Record<string, string>;

export type Command = keyof typeof commandDescriptions;

export interface Binding {
	command: Command;
	/** How the footer, the help overlay and the status line show the keys, e.g. `↑/k`. */
	keys: string;
	screens: readonly Screen[];
	/**
	 * Within a screen, the states where the key applies (e.g. the init screen's `form` or `done`).
	 * Absent: every state of the screen.
	 */
	modes?: readonly string[];
	/** Whether the footer shows it (the help overlay lists every binding). */
	footer?: boolean;
	/** false: the help overlay leaves it out, as another binding of the command already lists its keys. */
	help?: false;
	match(input: string, key: Key): boolean;
}

/** The init form's modes: a text field is focused (its input takes printable keys, ←/→ and Backspace), or a choice field (its list takes ↑/↓). */
const initForm = ['form-text', 'form-choice'];
const dashboardLists = ['list', 'list-foreground'];
/** The questions that are lists of answers: the dashboard's leave and force-quit questions, the deploy screen's abort question. */
const questions = ['confirm-leave', 'confirm-stop', 'confirm-quit-all', 'confirm-abort'];

/**
 * Every keyboard shortcut of the app. The footer, the help overlay, the status line's hints and
 * the input handlers all read this table, so a key is described where it is handled.
 */
export const bindings: readonly Binding[] = [
	{command: 'next-field', keys: 'Tab/↓', screens: ['init'], modes: ['form-text'], footer: true, match: (_input, key) => (key.tab && !key.shift) || key.downArrow},
	{command: 'previous-field', keys: 'S-Tab/↑', screens: ['init'], modes: ['form-text'], footer: true, match: (_input, key) => (key.tab && key.shift) || key.upArrow},
	// In a choice field the arrows choose, so only Tab moves between fields.
	{command: 'next-field', keys: 'Tab', screens: ['init'], modes: ['form-choice'], footer: true, help: false, match: (_input, key) => key.tab && !key.shift},
	{command: 'previous-field', keys: 'S-Tab', screens: ['init'], modes: ['form-choice'], footer: true, help: false, match: (_input, key) => key.tab && key.shift},
	// The choice field's select list acts on these keys itself; the entries say what they do and keep them from other bindings.
	{command: 'choice-next', keys: '↓/j', screens: ['init'], modes: ['form-choice'], footer: true, match: (input, key) => key.downArrow || input === 'j'},
	{command: 'choice-previous', keys: '↑/k', screens: ['init'], modes: ['form-choice'], footer: true, match: (input, key) => key.upArrow || input === 'k'},
	{command: 'choice-pick', keys: '1-9', screens: ['init'], modes: ['form-choice'], match: input => /^[1-9]$/.test(input)},
	{command: 'clear-field', keys: '^U', screens: ['init'], modes: initForm, match: (input, key) => key.ctrl && input === 'u'},
	{command: 'submit', keys: 'Enter', screens: ['init'], modes: initForm, footer: true, match: (_input, key) => key.return},
	{command: 'cancel', keys: 'Esc', screens: ['init'], modes: initForm, footer: true, match: (_input, key) => key.escape},
	{command: 'sudo-yes', keys: 'y', screens: ['init'], modes: ['root-problem'], footer: true, match: input => input === 'y' || input === 'Y'},
	{command: 'sudo-no', keys: 'n/Esc', screens: ['init'], modes: ['root-problem'], footer: true, match: (input, key) => input === 'n' || input === 'N' || key.escape},
	{
		command: 'abort',
		keys: '^C',
		screens: ['init'],
		modes: [...initForm, 'root-problem', 'creating'],
		footer: true,
		match: (input, key) => key.ctrl && input === 'c',
	},
	{
		command: 'finish',
		keys: 'Enter/q',
		screens: ['init'],
		modes: ['done', 'failed'],
		footer: true,
		match: (input, key) => key.return || input === 'q' || key.escape || (key.ctrl && input === 'c'),
	},
	{command: 'select-previous', keys: '↑/k', screens: ['dashboard'], modes: dashboardLists, footer: true, match: (input, key) => key.upArrow || input === 'k'},
	{command: 'select-next', keys: '↓/j', screens: ['dashboard'], modes: dashboardLists, footer: true, match: (input, key) => key.downArrow || input === 'j'},
	{command: 'stop-daemon', keys: 's', screens: ['dashboard'], modes: dashboardLists, footer: true, match: input => input === 's'},
	{command: 'restart-daemon', keys: 'r', screens: ['dashboard'], modes: dashboardLists, footer: true, match: input => input === 'r'},
	{command: 'stop-all', keys: 'S', screens: ['dashboard'], modes: dashboardLists, footer: true, match: input => input === 'S'},
	{command: 'quit-all', keys: 'Q', screens: ['dashboard'], modes: dashboardLists, match: input => input === 'Q'},
	// With --no-daemon (list-foreground) there is nothing to detach from.
	{command: 'detach', keys: 'd', screens: ['dashboard'], modes: ['list'], footer: true, match: input => input === 'd'},
	{command: 'leave', keys: 'q', screens: ['dashboard'], modes: dashboardLists, footer: true, match: input => input === 'q'},
	{command: 'scroll-back', keys: 'PgUp', screens: ['dashboard'], modes: dashboardLists, match: (_input, key) => key.pageUp},
	{command: 'scroll-forward', keys: 'PgDn', screens: ['dashboard'], modes: dashboardLists, match: (_input, key) => key.pageDown},
	{command: 'follow', keys: 'End', screens: ['dashboard'], modes: dashboardLists, match: (_input, key) => key.end},
	{command: 'search', keys: '/', screens: ['dashboard'], modes: dashboardLists, footer: true, match: input => input === '/'},
	{command: 'toggle-raw', keys: 'v', screens: ['dashboard'], modes: dashboardLists, footer: true, match: input => input === 'v'},
	{command: 'search-older', keys: 'n', screens: ['dashboard'], modes: dashboardLists, match: input => input === 'n'},
	{command: 'search-newer', keys: 'N', screens: ['dashboard'], modes: dashboardLists, match: input => input === 'N'},
	{command: 'search-clear', keys: 'Esc', screens: ['dashboard'], modes: dashboardLists, match: (_input, key) => key.escape},
	{command: 'interrupt', keys: '^C', screens: ['dashboard'], match: (input, key) => key.ctrl && input === 'c'},
	{command: 'search-submit', keys: 'Enter', screens: ['dashboard'], modes: ['search'], footer: true, match: (_input, key) => key.return},
	{command: 'search-cancel', keys: 'Esc', screens: ['dashboard'], modes: ['search'], footer: true, match: (_input, key) => key.escape},
	{command: 'confirm-yes', keys: 'y', screens: ['dashboard'], modes: ['confirm-quit-all'], footer: true, match: input => input === 'y' || input === 'Y'},
	{
		command: 'leave-stop',
		keys: 's',
		screens: ['dashboard'],
		modes: ['confirm-leave', 'confirm-stop'],
		footer: true,
		match: input => input === 's' || input === 'y',
	},
	{command: 'leave-detach', keys: 'd', screens: ['dashboard'], modes: ['confirm-leave'], footer: true, match: input => input === 'd'},
	{
		command: 'confirm-cancel',
		keys: 'n/Esc',
		screens: ['dashboard'],
		modes: ['confirm-quit-all', 'confirm-leave', 'confirm-stop'],
		footer: true,
		match: (input, key) => (!key.ctrl && (input === 'n' || input === 'N' || input === 'c')) || key.escape,
	},
	// A question's list acts on these keys itself; the entries say what they do and keep them from other bindings.
	{command: 'answer-next', keys: '↓/j', screens: ['dashboard', 'deploy'], modes: questions, match: (input, key) => key.downArrow || input === 'j'},
	{command: 'answer-previous', keys: '↑/k', screens: ['dashboard', 'deploy'], modes: questions, match: (input, key) => key.upArrow || input === 'k'},
	{command: 'answer-given', keys: 'Enter', screens: ['dashboard', 'deploy'], modes: questions, match: (input, key) => key.return || /^[1-9]$/.test(input)},
	// `?` where no text is typed; in the form, ^/, which a text field never takes (the dashboard's search has no help).
	{
		command: 'help',
		keys: '?',
		screens: ['init', 'dashboard'],
		modes: ['root-problem', 'creating', 'done', 'failed', ...dashboardLists, 'confirm-quit-all', 'confirm-leave', 'confirm-stop'],
		footer: true,
		match: input => input === '?',
	},
	{command: 'help', keys: '^/', screens: ['init', 'dashboard'], modes: initForm, footer: true, match: input => input === '\u001F'},
	{command: 'close-help', keys: 'Esc/q/?', screens: ['init', 'dashboard'], modes: ['help'], footer: true, match: (input, key) => key.escape || input === 'q' || input === '?' || input === '\u001F'},
	// The deploy screen. Modes: running, confirm-abort, aborting, finished, help.
	{command: 'deploy-interrupt', keys: '^C', screens: ['deploy'], match: (input, key) => key.ctrl && input === 'c'},
	{command: 'deploy-select-previous', keys: '↑/k', screens: ['deploy'], modes: ['running', 'aborting', 'finished'], footer: true, match: (input, key) => key.upArrow || input === 'k'},
	{command: 'deploy-select-next', keys: '↓/j', screens: ['deploy'], modes: ['running', 'aborting', 'finished'], footer: true, match: (input, key) => key.downArrow || input === 'j'},
	{command: 'deploy-abort', keys: 'a', screens: ['deploy'], modes: ['running'], footer: true, match: input => input === 'a'},
	{command: 'deploy-abort-yes', keys: 'y', screens: ['deploy'], modes: ['confirm-abort'], footer: true, match: input => input === 'y' || input === 'Y'},
	{command: 'deploy-abort-no', keys: 'n/Esc', screens: ['deploy'], modes: ['confirm-abort'], footer: true, match: (input, key) => input === 'n' || input === 'N' || key.escape},
	{command: 'deploy-leave', keys: 'q', screens: ['deploy'], modes: ['finished'], footer: true, match: (input, key) => input === 'q' || key.escape || key.return},
	{command: 'deploy-leave-early', keys: 'q', screens: ['deploy'], modes: ['running', 'aborting'], match: input => input === 'q'},
	{command: 'help', keys: '?', screens: ['deploy'], modes: ['running', 'confirm-abort', 'aborting', 'finished'], footer: true, match: input => input === '?'},
	{command: 'close-help', keys: 'Esc/q/?', screens: ['deploy'], modes: ['help'], footer: true, match: (input, key) => key.escape || input === 'q' || input === '?'},
];

function applies(binding: Binding, screen: Screen, mode: string | undefined): boolean {
	if (!binding.screens.includes(screen)) return false;
	return mode === undefined || binding.modes === undefined || binding.modes.includes(mode);
}

/** The bindings of a screen, in table order; with `mode`, only those that apply in it. */
export function bindingsFor(screen: Screen, mode?: string): Binding[] {
	return bindings.filter(binding => applies(binding, screen, mode));
}

/** The command of the first binding of the screen (and mode) that this key press matches. */
export function matchCommand(screen: Screen, input: string, key: Key, mode?: string): Command | undefined {
	return bindings.find(binding => applies(binding, screen, mode) && binding.match(input, key))?.command;
}

/** The keys of a command as the screen shows them (for hints in running text): `Enter`, `n/Esc`. */
export function keysOf(command: Command, screen: Screen, mode?: string): string {
	const binding = bindings.find(candidate => candidate.command === command && applies(candidate, screen, mode));
	return binding?.keys ?? '';
}

/** What the footer says for a command: its description up to the colon. */
export function shortLabel(command: Command): string {
	const description: string = commandDescriptions[command];
	return description.split(':')[0] ?? description;
}

/** One footer entry: neighbouring bindings with the same label share it (`↑/k ↓/j select`). */
export interface FooterItem {
	keys: string;
	label: string;
	command: Command;
}

/** The footer entries of a screen in a mode, in table order. */
export function footerItems(screen: Screen, mode: string): FooterItem[] {
	const items: FooterItem[] = [];
	for (const binding of bindingsFor(screen, mode)) {
		if (!binding.footer) continue;
		const label = shortLabel(binding.command);
		const last = items.at(-1);
		if (last && last.label === label) last.keys = `${last.keys} ${binding.keys}`;
		else items.push({keys: binding.keys, label, command: binding.command});
	}
	return items;
}

const footerGap = 2;
const widthOf = (item: FooterItem): number => item.keys.length + 1 + item.label.length;

/**
 * Packs the footer entries into at most `maxLines` lines of `columns`; the help entry is always
 * kept, the others are dropped from the end when they do not fit (the help overlay lists them all).
 */
export function packFooter(all: readonly FooterItem[], columns: number, maxLines: number): FooterItem[][] {
	const help = all.filter(item => item.command === 'help');
	let items = [...all.filter(item => item.command !== 'help'), ...help];
	for (;;) {
		const lines: FooterItem[][] = [];
		let width = 0;
		for (const item of items) {
			const line = lines.at(-1);
			if (line && width + footerGap + widthOf(item) <= columns) {
				line.push(item);
				width += footerGap + widthOf(item);
			} else {
				lines.push([item]);
				width = widthOf(item);
			}
		}
		if (lines.length <= maxLines || items.length <= help.length + 1) return lines.slice(0, maxLines);
		items = [...items.slice(0, items.length - help.length - 1), ...help];
	}
}

export {footerGap};
