import {k, type Keymap} from '../runtime/keymap.js';
import {answerBindings, answerDescriptions, helpDescriptions} from '../runtime/shared-bindings.js';

/** The deploy screen's modes: running, asking whether to abort, rolling back after an abort, finished, and the help. */
export type DeployMode = 'running' | 'confirm-abort' | 'aborting' | 'finished' | 'help';

const deployDescriptions = {
	'deploy-interrupt': 'abort: asks first, a second ^C aborts; the rollback still runs',
	'deploy-select-previous': 'select: the host above, to see its output',
	'deploy-select-next': 'select: the host below, to see its output',
	'deploy-abort': 'abort: every host goes back to the release it had (asks first)',
	'deploy-abort-yes': 'yes: abort the deploy and roll every host back',
	'deploy-abort-no': 'no: keep deploying',
	'deploy-leave': 'leave: the deploy has ended',
	'deploy-leave-early': 'leave: only after the end (until then, `a` aborts)',
	...answerDescriptions,
	...helpDescriptions,
} as const;

export type DeployCommand = keyof typeof deployDescriptions;

const moving: DeployMode[] = ['running', 'aborting', 'finished'];
const char = k.char;

export const deployKeymap: Keymap<DeployCommand, DeployMode> = {
	descriptions: deployDescriptions,
	bindings: [
		...answerBindings<DeployMode>(['confirm-abort']),
		{command: 'deploy-interrupt', keys: [k.ctrlC]},
		{command: 'deploy-select-previous', keys: [k.up, char('k')], modes: moving, footer: true},
		{command: 'deploy-select-next', keys: [k.down, char('j')], modes: moving, footer: true},
		{command: 'deploy-abort', keys: [char('a')], modes: ['running'], footer: true},
		{command: 'deploy-abort-yes', keys: [char('y')], aliases: [char('Y')], modes: ['confirm-abort'], footer: true},
		{command: 'deploy-abort-no', keys: [char('n'), k.esc], aliases: [char('N')], modes: ['confirm-abort'], footer: true},
		{command: 'deploy-leave', keys: [char('q')], aliases: [k.esc, k.enter], modes: ['finished'], footer: true},
		{command: 'deploy-leave-early', keys: [char('q')], modes: ['running', 'aborting']},
		{command: 'help', keys: [char('?')], modes: ['running', 'confirm-abort', 'aborting', 'finished'], footer: true},
		{command: 'close-help', keys: [k.esc, char('q'), char('?')], modes: ['help'], footer: true},
	],
};
