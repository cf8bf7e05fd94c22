import {describe, expect, it} from 'vitest';
import {matchCommand} from '../../screens/bindings.js';
import {fieldSpecs} from '../../screens/init/fields.js';
import {formMode} from '../../screens/init/InitApp.js';
import {errorCount, focusedField, formAnswers, initFormReducer, initialFormState, scrollTop, visibleCount, type InitFormAction, type InitFormState} from '../../screens/init/init-form-reducer.js';
import {initialProgress, initProgressReducer} from '../../screens/init/init-progress.js';
import {noKey} from '../helpers/keys.js';
import {fixedAnswers, fixedSummary} from './fixtures.js';

const run = (state: InitFormState, ...actions: InitFormAction[]): InitFormState => actions.reduce(initFormReducer, state);
const focusOn = (state: InitFormState, id: string): InitFormState => {
	let next = state;
	while (focusedField(next).id !== id) next = initFormReducer(next, {type: 'next-field'});
	return next;
};

describe('init form reducer', () => {
	it('starts on the title with the given answers and no errors', () => {
		const state = initialFormState(fixedAnswers());
		expect(focusedField(state).id).toBe('title');
		expect(state.cursor).toBe('Demo instance'.length);
		expect(errorCount(state)).toBe(0);
		expect(formAnswers(state)).toEqual(fixedAnswers());
	});

	it('moves between fields and wraps around both ends', () => {
		const state = initialFormState(fixedAnswers());
		expect(focusedField(run(state, {type: 'next-field'})).id).toBe('userName');
		expect(focusedField(run(state, {type: 'previous-field'})).id).toBe('setup');
		const all = Array.from({length: fieldSpecs.length}, (): InitFormAction => ({type: 'next-field'}));
		expect(focusedField(run(state, ...all)).id).toBe('title');
	});

	it('edits text at the cursor', () => {
		const state = run(initialFormState(fixedAnswers()), {type: 'clear-field'}, {type: 'insert', text: 'Shop'}, {type: 'cursor', to: 'home'}, {type: 'insert', text: 'My '}, {type: 'cursor', to: 'end'}, {type: 'backspace'});
		expect(formAnswers(state).title).toBe('My Sho');
		expect(state.cursor).toBe(6);
	});

	it('accepts only digits in a port field', () => {
		const state = run(focusOn(initialFormState(fixedAnswers()), 'ports.frontend'), {type: 'clear-field'}, {type: 'insert', text: '9a0x4-0'});
		expect(formAnswers(state).ports.frontend).toBe(9040);
	});

	it('reads a comma-separated list of ampnode ports', () => {
		const state = run(focusOn(initialFormState(fixedAnswers()), 'ports.ampnode'), {type: 'insert', text: ', 8049'});
		expect(formAnswers(state).ports.ampnode).toEqual([8048, 8049]);
	});

	it('toggles the setup choice and ignores typing in it', () => {
		const state = focusOn(initialFormState(fixedAnswers()), 'setup');
		expect(formAnswers(run(state, {type: 'choose', direction: 1})).setup).toBe('server');
		expect(formAnswers(run(state, {type: 'choose', direction: 1}, {type: 'choose', direction: -1})).setup).toBe('single');
		expect(run(state, {type: 'insert', text: 'x'})).toBe(state);
	});

	it('a text field takes Space and ←/→ as text (its mode has no choice keys); a choice field switches with them', () => {
		const state = initialFormState(fixedAnswers());
		expect(formMode(state)).toBe('form-text');
		expect(matchCommand('init', ' ', noKey, formMode(state))).toBeUndefined();
		expect(matchCommand('init', '', {...noKey, leftArrow: true}, formMode(state))).toBeUndefined();
		const setup = focusOn(state, 'setup');
		expect(formMode(setup)).toBe('form-choice');
		expect(matchCommand('init', ' ', noKey, 'form-choice')).toBe('choice-next');
		expect(matchCommand('init', '', {...noKey, leftArrow: true}, 'form-choice')).toBe('choice-previous');
		expect(run(state, {type: 'choose', direction: 1})).toBe(state);
	});

	it('shows a port used twice on both fields and refuses to submit, focusing the first', () => {
		const state = run(focusOn(initialFormState(fixedAnswers()), 'ports.redisData'), {type: 'clear-field'}, {type: 'insert', text: '8044'});
		expect(state.errors['ports.redisData']).toMatch(/8044 is already the redis live port/);
		expect(state.errors['ports.redisLive']).toMatch(/8044/);
		const refused = run(state, {type: 'submit'});
		expect(refused.submitted).toBe(false);
		expect(refused.refusedSubmits).toBe(1);
		expect(focusedField(refused).id).toBe('ports.redisLive');
	});

	it('reports a port out of range and an empty title', () => {
		const ranged = run(focusOn(initialFormState(fixedAnswers()), 'ports.frontend'), {type: 'insert', text: '0'});
		expect(ranged.errors['ports.frontend']).toMatch(/80400 is not a port/);
		const untitled = run(initialFormState(fixedAnswers()), {type: 'clear-field'});
		expect(untitled.errors['title']).toMatch(/cannot be empty/);
	});

	it('submits good answers once and then ignores further keys', () => {
		const state = run(initialFormState(fixedAnswers()), {type: 'submit'});
		expect(state.submitted).toBe(true);
		expect(run(state, {type: 'insert', text: 'x'})).toBe(state);
	});
});

describe('field list scrolling', () => {
	const heights = [1, 1, 2, 1, 1, 1, 1, 1];

	it('keeps the window still while the focus is inside it', () => {
		expect(scrollTop(heights, 3, 5, 0)).toBe(0);
		expect(visibleCount(heights, 0, 5)).toBe(4);
	});

	it('scrolls down just enough to show the focus', () => {
		expect(scrollTop(heights, 5, 5, 0)).toBe(2);
		expect(scrollTop(heights, 7, 5, 2)).toBe(3);
	});

	it('scrolls up to a focus above the window', () => {
		expect(scrollTop(heights, 1, 5, 4)).toBe(1);
	});

	it('scrolls back up when the window grows enough to show more', () => {
		expect(scrollTop(heights, 7, 20, 3)).toBe(0);
		expect(scrollTop(heights, 7, 6, 3)).toBe(3);
	});

	it('always shows the focused field even when it alone is taller than the window', () => {
		expect(scrollTop([1, 4], 1, 2, 0)).toBe(1);
		expect(visibleCount([1, 4], 1, 2)).toBe(1);
	});
});

describe('creation progress reducer', () => {
	it('ticks steps off in order and ends with the summary', () => {
		const events = [
			{type: 'step-start', step: 'keys', label: 'Writing keys'},
			{type: 'step-done', step: 'keys', detail: '6 files'},
			{type: 'step-start', step: 'git', label: 'Committing'},
		] as const;
		const progress = events.reduce((state, event) => initProgressReducer(state, {type: 'event', event}), initialProgress);
		expect(progress.steps).toEqual([
			{step: 'keys', label: 'Writing keys', status: 'done', detail: '6 files'},
			{step: 'git', label: 'Committing', status: 'running'},
		]);
		const done = initProgressReducer(progress, {type: 'finished', summary: fixedSummary()});
		expect(done.phase).toBe('done');
		expect(done.summary?.userId).toBe(7);
	});

	it('marks the running step failed on an error, or aborted on ^C', () => {
		const running = initProgressReducer(initialProgress, {type: 'event', event: {type: 'step-start', step: 'hub', label: 'Registering'}});
		const failed = initProgressReducer(running, {type: 'error', message: 'hub at http://x unreachable', aborted: false});
		expect(failed.phase).toBe('failed');
		expect(failed.steps[0]).toMatchObject({status: 'failed', error: 'hub at http://x unreachable'});
		expect(initProgressReducer(running, {type: 'error', message: 'aborted', aborted: true}).phase).toBe('aborted');
	});
});
