import {k, type Binding} from '../runtime/keymap.js';
import type {DashboardAction, DashboardState} from './dashboard-reducer.js';

/** The log pane's commands, on the dashboard and in the fleet view (there on the selected host's log). */
export const logDescriptions = {
	'scroll-back': 'scroll the log back a page (stops following)',
	'scroll-forward': 'scroll the log forward a page',
	follow: 'follow: new log lines again',
	search: 'search: the log as shown, type a pattern then Enter',
	'toggle-raw': 'raw: the log lines as written, or formatted (time level message key=value)',
	'search-older': 'next (older) match',
	'search-newer': 'previous (newer) match',
	'search-clear': 'leave the search (clear highlights)',
	'search-submit': 'find: the pattern',
	'search-cancel': 'leave: the search',
} as const;

export type LogCommand = keyof typeof logDescriptions;

export function isLogCommand(command: string): command is LogCommand {
	return Object.hasOwn(logDescriptions, command);
}

/** The log pane's keys where the list is shown; `rawInFooter`: whether the footer shows `v` too. */
export function logBindings<M extends string>(lists: readonly M[], options: {rawInFooter: boolean}): Binding<LogCommand, M>[] {
	return [
		{command: 'scroll-back', keys: [{name: 'pageUp'}], modes: lists},
		{command: 'scroll-forward', keys: [{name: 'pageDown'}], modes: lists},
		{command: 'follow', keys: [{name: 'end'}], modes: lists},
		{command: 'search', keys: [k.char('/')], modes: lists, footer: true},
		{command: 'toggle-raw', keys: [k.char('v')], modes: lists, footer: options.rawInFooter},
		{command: 'search-older', keys: [k.char('n')], modes: lists},
		{command: 'search-newer', keys: [k.char('N')], modes: lists},
		{command: 'search-clear', keys: [k.esc], modes: lists},
	];
}

/** The keys of a search pattern being typed (mode `search`). */
export const searchBindings: Binding<LogCommand, 'search'>[] = [
	{command: 'search-submit', keys: [k.enter], modes: ['search'], footer: true},
	{command: 'search-cancel', keys: [k.esc], modes: ['search'], footer: true},
];

/**
 * What a log command does to the log shown: `board` is the dashboard's state (in the fleet view,
 * the selected host's), `logRows` the rows of the log pane. Undefined: nothing to do.
 */
export function logAction(board: DashboardState | undefined, command: LogCommand, logRows: number): DashboardAction | undefined {
	const page = Math.max(1, logRows - 1);
	switch (command) {
		case 'scroll-back':
			return {type: 'scroll', delta: -page, rows: logRows};
		case 'scroll-forward':
			return {type: 'scroll', delta: page, rows: logRows};
		case 'follow':
			return {type: 'follow'};
		case 'search':
			return {type: 'search-start'};
		case 'toggle-raw':
			return {type: 'show-raw', raw: !board?.raw};
		case 'search-older':
			return {type: 'search-step', direction: 'older', rows: logRows};
		case 'search-newer':
			return {type: 'search-step', direction: 'newer', rows: logRows};
		case 'search-clear':
			return board?.search.phase === 'active' ? {type: 'search-exit'} : undefined;
		case 'search-submit':
			return {type: 'search-submit', rows: logRows};
		case 'search-cancel':
			return {type: 'search-exit'};
	}
}
