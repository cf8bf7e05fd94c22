import type {Key} from 'ink';
import type {AmprunRootProblem, InitAnswers} from '../../services/instance/types.js';
import type {KeyRead} from '../runtime/use-keys.js';
import {act, nothing, type Outcome} from '../runtime/use-screen.js';
import {toggleHelp, type InitHelpAction} from './init-help.js';
import type {InitCommand, InitMode} from './init-keys.js';
import {errorCount, focusedField, formAnswers, initFormReducer, initialFormState, type InitFormAction, type InitFormState} from './init-form-reducer.js';

/** How the form ended. The sudo commands run outside the app: sudo needs the plain terminal. */
export type FormResult =
	| {type: 'cancelled'}
	| {type: 'submitted'; answers: InitAnswers}
	| {type: 'run-sudo'; answers: InitAnswers; problem: AmprunRootProblem}
	| {type: 'declined-sudo'; problem: AmprunRootProblem};

type FormPhase = {name: 'form'} | {name: 'checking'} | {name: 'root-problem'; problem: AmprunRootProblem};

/** The form screen: the form, then (after Enter on good answers) the amprun root check and, if needed, the sudo question. */
export interface InitFormScreenState {
	form: InitFormState;
	phase: FormPhase;
	help: boolean;
}

export type InitFormScreenAction = InitFormAction | {type: 'phase'; phase: FormPhase} | InitHelpAction;

/** What the form screen does outside itself: check the amprun root, or leave with a result. */
export type InitFormEffect = {type: 'check-root'; answers: InitAnswers} | {type: 'finish'; result: FormResult};

export type InitFormOutcome = Outcome<InitFormScreenAction, InitFormEffect>;

export function initialFormScreen(answers: InitAnswers): InitFormScreenState {
	return {form: initialFormState(answers), phase: {name: 'form'}, help: false};
}

export function initFormScreenReducer(state: InitFormScreenState, action: InitFormScreenAction): InitFormScreenState {
	switch (action.type) {
		case 'phase':
			return {...state, phase: action.phase};
		case 'help':
			return {...state, help: action.shown};
		default: {
			const form = initFormReducer(state.form, action);
			return form === state.form ? state : {...state, form};
		}
	}
}

/** The keymap mode of the form: a choice field's list takes ↑/↓; a text field takes printable keys as text. */
export function formMode(form: InitFormState): 'form-choice' | 'form-text' {
	return focusedField(form).kind === 'choice' ? 'form-choice' : 'form-text';
}

export function initFormScreenMode(state: InitFormScreenState): InitMode {
	if (state.help) return 'help';
	return state.phase.name === 'form' ? formMode(state.form) : state.phase.name;
}

const finish = (result: FormResult): InitFormOutcome => ({actions: [], effects: [{type: 'finish', result}]});

/** What a command means on the form screen. Pure. */
export function interpretInitForm(state: InitFormScreenState, command: InitCommand): InitFormOutcome {
	const {phase, form} = state;
	switch (command) {
		case 'help':
		case 'close-help':
			return toggleHelp(command);
		case 'abort':
			return finish({type: 'cancelled'});
		case 'cancel':
			return phase.name === 'form' ? finish({type: 'cancelled'}) : nothing;
		case 'sudo-yes':
			if (phase.name !== 'root-problem') return nothing;
			return finish(phase.problem.sudoCommands.length > 0 ? {type: 'run-sudo', answers: formAnswers(form), problem: phase.problem} : {type: 'declined-sudo', problem: phase.problem});
		case 'sudo-no':
			return phase.name === 'root-problem' ? finish({type: 'declined-sudo', problem: phase.problem}) : nothing;
		case 'next-field':
		case 'previous-field':
		case 'clear-field':
			return phase.name === 'form' ? act({type: command}) : nothing;
		case 'submit':
			if (phase.name !== 'form') return nothing;
			// Good answers: the form is done (it is not shown again); the amprun root is checked next.
			if (errorCount(form) === 0) return {actions: [{type: 'submit'}, {type: 'phase', phase: {name: 'checking'}}], effects: [{type: 'check-root', answers: formAnswers(form)}]};
			return act({type: 'submit'});
		case 'choice-next':
		case 'choice-previous':
		case 'choice-pick':
			// The choice field's list acts on these keys itself.
			return nothing;
		case 'finish':
			// The creation screen's.
			return nothing;
	}
}

/**
 * A key no binding takes: typing, editing and choosing are the focused field's input's (see
 * FieldEvents), unless the key came in one read with control keys: then the input's edit is
 * dropped, and the text is typed here.
 */
export function initFormText(state: InitFormScreenState, input: string, key: Key, read: KeyRead): InitFormOutcome {
	if (state.help || state.phase.name !== 'form' || read.inputTook) return nothing;
	if (key.backspace || key.delete) return act({type: 'erase-last'});
	if (input !== '' && !key.ctrl && !key.meta) return act({type: 'type-text', text: input});
	return nothing;
}
