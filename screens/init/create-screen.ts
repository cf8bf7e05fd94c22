import type {InstanceSummary} from '../../services/instance/types.js';
import {nothing, type Outcome} from '../runtime/use-screen.js';
import {toggleHelp, type InitHelpAction} from './init-help.js';
import type {InitCommand, InitMode} from './init-keys.js';
import {initialProgress, initProgressReducer, type InitProgress, type InitProgressAction} from './init-progress.js';

export type CreateResult = {type: 'done'; summary: InstanceSummary} | {type: 'failed'; error: string} | {type: 'aborted'};

/** The creation screen: each step as it goes, then the summary. */
export interface CreateScreenState {
	progress: InitProgress;
	help: boolean;
}

export type CreateScreenAction = InitProgressAction | InitHelpAction;

/** What the creation screen does outside itself: abort the creation, or leave with its result. */
export type CreateEffect = {type: 'abort'} | {type: 'finish'; result: CreateResult};

export const initialCreateScreen: CreateScreenState = {progress: initialProgress, help: false};

export function createScreenReducer(state: CreateScreenState, action: CreateScreenAction): CreateScreenState {
	if (action.type === 'help') return {...state, help: action.shown};
	return {...state, progress: initProgressReducer(state.progress, action)};
}

export function createScreenMode(state: CreateScreenState): InitMode {
	if (state.help) return 'help';
	return state.progress.phase === 'aborted' ? 'failed' : state.progress.phase;
}

function createResult(progress: InitProgress): CreateResult {
	if (progress.phase === 'done' && progress.summary) return {type: 'done', summary: progress.summary};
	return progress.phase === 'aborted' ? {type: 'aborted'} : {type: 'failed', error: progress.error ?? 'unknown error'};
}

/** What a command means on the creation screen. Pure. */
export function interpretCreate(state: CreateScreenState, command: InitCommand): Outcome<CreateScreenAction, CreateEffect> {
	switch (command) {
		case 'help':
		case 'close-help':
			return toggleHelp(command);
		case 'abort':
			return {actions: [], effects: [{type: 'abort'}]};
		case 'finish':
			return {actions: [], effects: [{type: 'finish', result: createResult(state.progress)}]};
		case 'next-field':
		case 'previous-field':
		case 'choice-next':
		case 'choice-previous':
		case 'choice-pick':
		case 'clear-field':
		case 'submit':
		case 'cancel':
		case 'sudo-yes':
		case 'sudo-no':
			// The form screen's.
			return nothing;
	}
}
