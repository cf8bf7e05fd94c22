import {describe, expect, it} from 'vitest';
import {initKeymap} from '../../screens/init/init-keys.js';
import {matchCommand} from '../../screens/runtime/keymap.js';
import {fieldSpecs} from '../../screens/init/fields.js';
import {formMode} from '../../screens/init/init-form-screen.js';
import {errorCount, focusedField, formAnswers, initFormReducer, initialFormState, scrollTop, visibleCount, type InitFormAction, type InitFormState} from '../../screens/init/init-form-reducer.js';
import {initialProgress, initProgressReducer} from '../../screens/init/init-progress.js';
import {noKey} from '../helpers/keys.js';
import {fixedAnswers, fixedSummary} from './fixtures.js';

const run = (state: InitFormState, ...actions: InitFormAction[]): InitFormState => actions.reduce(initFormReducer, state);
/** The focused field's input turning its current text into `value`. */
const typed = (state: InitFormState, value: string): InitFormAction => ({type: 'edit', from: state.values[focusedField(state).id] ?? '', value});
const type = (state: InitFormState, value: string): InitFormState => initFormReducer(state, typed(state, value));
const focusOn = (state: InitFormState, id: string): InitFormState => {
	let next = state;
	while (focusedField(next).id !== id) next = initFormReducer(next, {type: 'next-field'});
	return next;
};

describe('init form reducer', () => {
	it('starts on the title with the given answers and no errors', () => {
		const state = initialFormState(fixedAnswers());
		expect(focusedField(state).id).toBe('title');
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

	it('takes the text its input edited', () => {
		const state = type(run(initialFormState(fixedAnswers()), {type: 'clear-field'}), 'My Shop');
		expect(formAnswers(state).title).toBe('My Shop');
	});

	it('drops an edit made from text the field no longer holds (^U acted first)', () => {
		const state = initialFormState(fixedAnswers());
		const stale = typed(state, 'Demo instanceu');
		const cleared = run(state, {type: 'clear-field'}, stale);
		expect(formAnswers(cleared).title).toBe('');
	});

	it('drops an edit of a read that held control keys too, and takes its text and Backspace one by one', () => {
		const state = initialFormState(fixedAnswers());
		expect(type(state, 'Demo instance\u0015Shop')).toBe(state);
		const typedAfterClear = run(state, {type: 'clear-field'}, {type: 'type-text', text: 'Shopx'}, {type: 'erase-last'});
		expect(formAnswers(typedAfterClear).title).toBe('Shop');
		const port = run(focusOn(state, 'ports.frontend'), {type: 'clear-field'}, {type: 'type-text', text: '90a4'});
		expect(formAnswers(port).ports.frontend).toBe(904);
	});

	it('keeps only digits in a port field, and no control characters in text', () => {
		const state = type(run(focusOn(initialFormState(fixedAnswers()), 'ports.frontend'), {type: 'clear-field'}), '9a0x4-0');
		expect(formAnswers(state).ports.frontend).toBe(9040);
		const title = initialFormState(fixedAnswers());
		expect(type(title, 'Demo instance\u001F')).toBe(title);
	});

	it('reads a comma-separated list of ampnode ports', () => {
		const at = focusOn(initialFormState(fixedAnswers()), 'ports.ampnode');
		const state = type(at, '8048, 8049');
		expect(formAnswers(state).ports.ampnode).toEqual([8048, 8049]);
	});

	it('sets the setup choice its list picks and ignores edits and unknown choices', () => {
		const state = focusOn(initialFormState(fixedAnswers()), 'setup');
		expect(formAnswers(run(state, {type: 'choose', value: 'server'})).setup).toBe('server');
		expect(formAnswers(run(state, {type: 'choose', value: 'server'}, {type: 'choose', value: 'single'})).setup).toBe('single');
		expect(run(state, {type: 'choose', value: 'cluster'})).toBe(state);
		expect(run(state, {type: 'edit', from: 'single', value: 'singlex'})).toBe(state);
	});

	it('a text field takes Space, ←/→ and j/k as text; in a choice field the arrows choose and only Tab moves on', () => {
		const state = initialFormState(fixedAnswers());
		expect(formMode(state)).toBe('form-text');
		expect(matchCommand(initKeymap, ' ', noKey, formMode(state))).toBeUndefined();
		expect(matchCommand(initKeymap, 'j', noKey, formMode(state))).toBeUndefined();
		expect(matchCommand(initKeymap, '', {...noKey, leftArrow: true}, formMode(state))).toBeUndefined();
		expect(matchCommand(initKeymap, '', {...noKey, downArrow: true}, formMode(state))).toBe('next-field');
		const setup = focusOn(state, 'setup');
		expect(formMode(setup)).toBe('form-choice');
		expect(matchCommand(initKeymap, '', {...noKey, downArrow: true}, 'form-choice')).toBe('choice-next');
		expect(matchCommand(initKeymap, '', {...noKey, upArrow: true}, 'form-choice')).toBe('choice-previous');
		expect(matchCommand(initKeymap, '2', noKey, 'form-choice')).toBe('choice-pick');
		expect(matchCommand(initKeymap, '', {...noKey, tab: true}, 'form-choice')).toBe('next-field');
		expect(run(state, {type: 'choose', value: 'server'})).toBe(state);
	});

	it('shows a port used twice on both fields and refuses to submit, focusing the first', () => {
		const state = type(run(focusOn(initialFormState(fixedAnswers()), 'ports.redisData'), {type: 'clear-field'}), '8044');
		expect(state.errors['ports.redisData']).toMatch(/8044 is already the redis live port/);
		expect(state.errors['ports.redisLive']).toMatch(/8044/);
		const refused = run(state, {type: 'submit'});
		expect(refused.submitted).toBe(false);
		expect(refused.refusedSubmits).toBe(1);
		expect(focusedField(refused).id).toBe('ports.redisLive');
	});

	it('reports a port out of range and an empty title', () => {
		const ranged = type(focusOn(initialFormState(fixedAnswers()), 'ports.frontend'), '80400');
		expect(ranged.errors['ports.frontend']).toMatch(/80400 is not a port/);
		const untitled = run(initialFormState(fixedAnswers()), {type: 'clear-field'});
		expect(untitled.errors['title']).toMatch(/cannot be empty/);
	});

	it('submits good answers once and then ignores further keys', () => {
		const state = run(initialFormState(fixedAnswers()), {type: 'submit'});
		expect(state.submitted).toBe(true);
		expect(type(state, 'x')).toBe(state);
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
