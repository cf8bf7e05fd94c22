import {logBindings, logDescriptions, searchBindings} from '../dashboard/log-commands.js';
import {k, type Keymap} from '../runtime/keymap.js';
import {answerBindings, answerDescriptions, closeHelpBinding, helpDescriptions} from '../runtime/shared-bindings.js';

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
	interrupt: 'like q: leave the fleet view',
	'stop-host': 'this host: stop every daemon of the selected host',
	'stop-everywhere': 'every host: stop every daemon of every host',
	'confirm-yes': 'yes: force-quit every daemon of the selected host',
	'confirm-cancel': 'cancel: back to the fleet',
	...logDescriptions,
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
		...logBindings(lists, {rawInFooter: false}),
		{command: 'interrupt', keys: [k.ctrlC]},
		...searchBindings,
		{command: 'stop-host', keys: [char('h')], aliases: [char('y')], modes: ['confirm-stop-all'], footer: true},
		{command: 'stop-everywhere', keys: [char('a')], modes: ['confirm-stop-all'], footer: true},
		{command: 'confirm-yes', keys: [char('y')], aliases: [char('Y')], modes: ['confirm-quit-host'], footer: true},
		{command: 'confirm-cancel', keys: [char('n'), k.esc], aliases: [char('N'), char('c')], modes: questions, footer: true},
		...answerBindings(questions),
		{command: 'help', keys: [char('?')], modes: [...lists, ...questions], footer: true},
		closeHelpBinding,
	],
};
