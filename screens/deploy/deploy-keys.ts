import type {Key} from 'ink';
import {matchCommand} from '../runtime/keymap.js';
import {deployKeymap, type DeployCommand, type DeployMode} from './deploy-keymap.js';
import type {DeployAction, DeployScreenState} from './deploy-reducer.js';

/** The bindings-table mode the deploy screen is in: it picks the footer and which keys apply. */
export function deployMode(state: DeployScreenState): DeployMode {
	if (state.dialog === 'help') return 'help';
	if (state.finished) return 'finished';
	if (state.dialog === 'confirm-abort') return 'confirm-abort';
	if (state.abortRequested || state.phase === 'rolling-back') return 'aborting';
	return 'running';
}

/** What a key press asks for: actions for the reducer, and whether to leave the screen. */
export interface DeployKeyOutcome {
	actions: DeployAction[];
	leave?: boolean;
}

const none: DeployKeyOutcome = {actions: []};

/** Turns a key press into meaningful actions; `listRows` is how many host rows the list shows. */
export function interpretDeployKey(state: DeployScreenState, input: string, key: Key, listRows: number): DeployKeyOutcome {
	const command = matchCommand(deployKeymap, input, key, deployMode(state));
	return command === undefined ? none : deployCommandOutcome(state, command, listRows);
}

/** What a command means in this state (a key gave it, or an answer picked from the abort question's list). */
export function deployCommandOutcome(state: DeployScreenState, command: DeployCommand, listRows: number): DeployKeyOutcome {
	const mode = deployMode(state);
	switch (command) {
		case 'deploy-interrupt':
			if (state.finished) return {actions: [], leave: true};
			if (mode === 'confirm-abort') return {actions: [{type: 'confirm-abort'}]};
			return {actions: [{type: 'close-help'}, {type: 'ask-abort'}]};
		case 'deploy-select-previous':
			return {actions: [{type: 'select-previous', rows: listRows}]};
		case 'deploy-select-next':
			return {actions: [{type: 'select-next', rows: listRows}]};
		case 'deploy-abort':
			return {actions: [{type: 'ask-abort'}]};
		case 'deploy-abort-yes':
			return {actions: [{type: 'confirm-abort'}]};
		case 'deploy-abort-no':
			return {actions: [{type: 'cancel-abort'}]};
		case 'deploy-leave':
			return {actions: [], leave: true};
		case 'deploy-leave-early':
			return {actions: [{type: 'leave-too-early'}]};
		case 'help':
			return {actions: [{type: 'toggle-help'}]};
		case 'close-help':
			return {actions: [{type: 'close-help'}]};
		default:
			return none;
	}
}
