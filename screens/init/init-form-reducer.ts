import {validateAnswers} from '../../services/instance/validate.js';
import type {AnswerErrors, InitAnswers} from '../../services/instance/types.js';
import {answersFromValues, fieldSpecs, typedPorts, valuesFromAnswers, type FieldValues} from './fields.js';

export interface InitFormState {
	values: FieldValues;
	/** Index into fieldSpecs of the focused field. */
	focus: number;
	/** Problems with the values as they stand, by field id. */
	errors: AnswerErrors;
	/** Set once Enter was pressed on good answers: the form is done. */
	submitted: boolean;
	/** How many times Enter was refused (the screen says why). */
	refusedSubmits: number;
}

export type InitFormAction =
	| {type: 'next-field'}
	| {type: 'previous-field'}
	/**
	 * The focused text field's input changed its text from `from` to `value`. An edit made from
	 * text that is no longer the field's (a key the table also acted on, such as ^U) is dropped.
	 */
	| {type: 'edit'; from: string; value: string}
	/**
	 * Text or Backspace that came in one read with other keys (^U, Tab, Enter…): the input saw the
	 * read as one string and its edit is dropped, so the key handler gives them here one by one.
	 */
	| {type: 'type-text'; text: string}
	| {type: 'erase-last'}
	| {type: 'clear-field'}
	/** The focused choice field's list moved to this choice. */
	| {type: 'choose'; value: string}
	| {type: 'submit'};

export function initialFormState(answers: InitAnswers): InitFormState {
	const values = valuesFromAnswers(answers);
	return withErrors({values, focus: 0, errors: {}, submitted: false, refusedSubmits: 0});
}

function withErrors(state: InitFormState): InitFormState {
	return {...state, errors: validateAnswers(answersFromValues(state.values), typedPorts(state.values))};
}

export function focusedField(state: InitFormState) {
	return fieldSpecs[state.focus]!;
}

function focusedValue(state: InitFormState): string {
	return state.values[focusedField(state).id] ?? '';
}

function focusOn(state: InitFormState, index: number): InitFormState {
	const focus = (index + fieldSpecs.length) % fieldSpecs.length;
	return {...state, focus};
}

function edit(state: InitFormState, value: string): InitFormState {
	const field = focusedField(state);
	if (value === focusedValue(state)) return state;
	return withErrors({...state, values: {...state.values, [field.id]: value}});
}

const controlCharacter = /[\u0000-\u001F\u007F]/;

/** The characters a field keeps: digits for ports, digits and commas for a port list, no control characters. */
function acceptable(kind: string, text: string): string {
	const printable = [...text].filter(char => char >= ' ' && char !== '\u007F').join('');
	if (kind === 'port') return printable.replace(/\D/g, '');
	if (kind === 'ports') return printable.replace(/[^\d, ]/g, '');
	return printable.replace(/[\r\n\t]/g, '');
}

export function initFormReducer(state: InitFormState, action: InitFormAction): InitFormState {
	if (state.submitted) return state;
	const field = focusedField(state);
	const value = focusedValue(state);
	switch (action.type) {
		case 'next-field':
			return focusOn(state, state.focus + 1);
		case 'previous-field':
			return focusOn(state, state.focus - 1);
		case 'edit':
			if (field.kind === 'choice' || action.from !== value || controlCharacter.test(action.value)) return state;
			return edit(state, acceptable(field.kind, action.value));
		case 'type-text':
			if (field.kind === 'choice') return state;
			return edit(state, value + acceptable(field.kind, action.text));
		case 'erase-last':
			if (field.kind === 'choice') return state;
			return edit(state, value.slice(0, -1));
		case 'clear-field':
			if (field.kind === 'choice') return state;
			return edit(state, '');
		case 'choose':
			if (field.kind !== 'choice' || !field.choices?.includes(action.value)) return state;
			return edit(state, action.value);
		case 'submit': {
			const firstBad = fieldSpecs.findIndex(spec => state.errors[spec.id] !== undefined);
			if (firstBad === -1) return {...state, submitted: true};
			return {...focusOn(state, firstBad), refusedSubmits: state.refusedSubmits + 1};
		}
	}
}

export function errorCount(state: InitFormState): number {
	return fieldSpecs.filter(spec => state.errors[spec.id] !== undefined).length;
}

export function formAnswers(state: InitFormState): InitAnswers {
	return answersFromValues(state.values);
}

/**
 * The first field to draw so that the focused one is visible in `height` rows, moving as little
 * as possible from `previousTop`. `heights` are the rows each field takes.
 */
export function scrollTop(heights: readonly number[], focus: number, height: number, previousTop: number): number {
	let top = Math.max(0, Math.min(previousTop, focus));
	const rowsFrom = (start: number): number => heights.slice(start, focus + 1).reduce((sum, rows) => sum + rows, 0);
	while (top < focus && rowsFrom(top) > height) top++;
	// When the window has grown (a resize, an error fixed), show more of the fields above.
	const rowsToEnd = (start: number): number => heights.slice(start).reduce((sum, rows) => sum + rows, 0);
	while (top > 0 && rowsToEnd(top - 1) <= height) top--;
	return top;
}

/** How many fields from `top` fit in `height` rows (at least one, so the focused field always shows). */
export function visibleCount(heights: readonly number[], top: number, height: number): number {
	let used = 0;
	let count = 0;
	for (let index = top; index < heights.length; index++) {
		used += heights[index]!;
		if (used > height && count > 0) break;
		count++;
	}
	return count;
}
