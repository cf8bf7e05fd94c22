import {answerDescriptions, helpDescriptions, k, type Keymap} from '../runtime/keymap.js';

/** The fleet view's modes: the list, a search pattern being typed, the help, and its two questions. */
export type FleetMode = 'list' | 'search' | 'help' | 'confirm-stop-all' | 'confirm-quit-host';

const fleetDescriptions = {
	'select-previous': 'select: the daemon above (across hosts)',
	'select-next': 'select: the daemon below (across hosts)',
	'host-previous': 'host: the first daemon of the host above',
	'host-next': 'host: the first daemon of the host below',
	'stop-daemon': 'stop: the selected daemon, on its host only',
	'restart-daemon': 'restart: the selected daemon, on its host only (starts it when stopped)',
	'stop-all': 'stop all: asks first: every daemon of the selected host, or of every host',
	'quit-host': 'force-quit: SIGKILL every daemon of the selected host (asks first)',
	leave: 'leave: the fleet view only; every host keeps running',
	'scroll-back': 'scroll the log back a page (stops following)',
	'scroll-forward': 'scroll the log forward a page',
	follow: 'follow: new log lines again',
	search: 'search: the log as shown, type a pattern then Enter',
	'toggle-raw': 'raw: the log lines as written, or formatted (time level message key=value)',
	'search-older': 'next (older) match',
	'search-newer': 'previous (newer) match',
	'search-clear': 'leave the search (clear highlights)',
	interrupt: 'like q: leave the fleet view',
	'search-submit': 'find: the pattern',
	'search-cancel': 'leave: the search',
	'stop-host': 'this host: stop every daemon of the selected host',
	'stop-everywhere': 'every host: stop every daemon of every host',
	'confirm-yes': 'yes: force-quit every daemon of the selected host',
	'confirm-cancel': 'cancel: back to the fleet',
	...answerDescriptions,
	...helpDescriptions,
} as const;

export type FleetCommand = keyof typeof fleetDescriptions;

const lists: FleetMode[] = ['list'];
const questions: FleetMode[] = ['confirm-stop-all', 'confirm-quit-host'];
const char = k.char;

/** The dashboard's keys, where the fleet has the same command; Tab/S-Tab jump between hosts. */
export const fleetKeymap: Keymap<FleetCommand, FleetMode> = {
	descriptions: fleetDescriptions,
	bindings: [
		{command: 'select-previous', keys: [k.up, char('k')], modes: lists, footer: true},
		{command: 'select-next', keys: [k.down, char('j')], modes: lists, footer: true},
		{command: 'host-next', keys: [k.tab], modes: lists, footer: true},
		{command: 'host-previous', keys: [k.shiftTab], modes: lists},
		{command: 'stop-daemon', keys: [char('s')], modes: lists, footer: true},
		{command: 'restart-daemon', keys: [char('r')], modes: lists, footer: true},
		{command: 'stop-all', keys: [char('S')], modes: lists, footer: true},
		{command: 'quit-host', keys: [char('Q')], modes: lists},
		{command: 'leave', keys: [char('q')], modes: lists, footer: true},
		{command: 'scroll-back', keys: [{name: 'pageUp'}], modes: lists},
		{command: 'scroll-forward', keys: [{name: 'pageDown'}], modes: lists},
		{command: 'follow', keys: [{name: 'end'}], modes: lists},
		{command: 'search', keys: [char('/')], modes: lists, footer: true},
		{command: 'toggle-raw', keys: [char('v')], modes: lists},
		{command: 'search-older', keys: [char('n')], modes: lists},
		{command: 'search-newer', keys: [char('N')], modes: lists},
		{command: 'search-clear', keys: [k.esc], modes: lists},
		{command: 'interrupt', keys: [k.ctrlC]},
		{command: 'search-submit', keys: [k.enter], modes: ['search'], footer: true},
		{command: 'search-cancel', keys: [k.esc], modes: ['search'], footer: true},
		{command: 'stop-host', keys: [char('h')], aliases: [char('y')], modes: ['confirm-stop-all'], footer: true},
		{command: 'stop-everywhere', keys: [char('a')], modes: ['confirm-stop-all'], footer: true},
		{command: 'confirm-yes', keys: [char('y')], aliases: [char('Y')], modes: ['confirm-quit-host'], footer: true},
		{command: 'confirm-cancel', keys: [char('n'), k.esc], aliases: [char('N'), char('c')], modes: questions, footer: true},
		// A question's list acts on these keys itself; the entries say what they do and keep them from other bindings.
		{command: 'answer-next', keys: [k.down, char('j')], modes: questions},
		{command: 'answer-previous', keys: [k.up, char('k')], modes: questions},
		{command: 'answer-given', keys: [k.enter], aliases: [k.digit], modes: questions},
		{command: 'help', keys: [char('?')], modes: [...lists, ...questions], footer: true},
		{command: 'close-help', keys: [k.esc, char('q'), char('?')], aliases: [k.ctrlSlash], modes: ['help'], footer: true},
	],
};
