import {isAnswerCommand} from '../runtime/shared-bindings.js';
import {act, effect, nothing, type Outcome, type ScreenRules} from '../runtime/use-screen.js';
import {deployKeymap, type DeployCommand, type DeployMode} from './deploy-keymap.js';
import {deployReducer, type DeployAction, type DeployScreenState} from './deploy-reducer.js';

/** The bindings-table mode the deploy screen is in: it picks the footer and which keys apply. */
export function deployMode(state: DeployScreenState): DeployMode {
	if (state.dialog === 'help') return 'help';
	if (state.finished) return 'finished';
	if (state.dialog === 'confirm-abort') return 'confirm-abort';
	if (state.abortRequested || state.phase === 'rolling-back') return 'aborting';
	return 'running';
}

/** What the deploy screen does outside itself: ask the engine to abort (it rolls every host back), or leave with an exit code. */
export type DeployEffect = {type: 'abort'} | {type: 'leave'; code: number};

type DeployOutcome = Outcome<DeployAction, DeployEffect>;

export interface DeployKeyContext {
	/** How many host rows the list shows: the selection stays in view. */
	listRows: number;
}

/** Yes to the abort question: the engine is asked once, and only while the deploy runs. */
function confirmAbort(state: DeployScreenState): DeployOutcome {
	if (state.finished || state.abortRequested) return act({type: 'confirm-abort'});
	return {actions: [{type: 'confirm-abort'}], effects: [{type: 'abort'}]};
}

function leave(state: DeployScreenState): DeployOutcome {
	return effect({type: 'leave', code: state.finished?.ok ? 0 : 1});
}

/** What a command means in this state (a key gave it, or an answer picked from the abort question's list). Pure. */
function interpretDeploy(state: DeployScreenState, command: DeployCommand, context: DeployKeyContext): DeployOutcome {
	if (isAnswerCommand(command)) return nothing;
	switch (command) {
		case 'deploy-interrupt':
			if (state.finished) return leave(state);
			if (deployMode(state) === 'confirm-abort') return confirmAbort(state);
			return act({type: 'close-help'}, {type: 'ask-abort'});
		case 'deploy-select-previous':
			return act({type: 'select-previous', rows: context.listRows});
		case 'deploy-select-next':
			return act({type: 'select-next', rows: context.listRows});
		case 'deploy-abort':
			return act({type: 'ask-abort'});
		case 'deploy-abort-yes':
			return confirmAbort(state);
		case 'deploy-abort-no':
			return act({type: 'cancel-abort'});
		case 'deploy-leave':
			return leave(state);
		case 'deploy-leave-early':
			return act({type: 'leave-too-early'});
		case 'help':
			return act({type: 'toggle-help'});
		case 'close-help':
			return act({type: 'close-help'});
	}
}

/** The deploy screen's keys and commands in a context. */
export function deployRules(context: DeployKeyContext): ScreenRules<DeployScreenState, DeployAction, DeployEffect, DeployCommand, DeployMode> {
	return {
		keymap: deployKeymap,
		reducer: deployReducer,
		mode: deployMode,
		interpret: (state, command) => interpretDeploy(state, command, context),
	};
}
