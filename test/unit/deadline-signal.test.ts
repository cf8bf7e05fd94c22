import {describe, expect, it} from 'vitest';
import {deadlineSignal} from '../../services/deadline-signal.js';

describe('a signal with a deadline', () => {
	it('aborts with a TimeoutError once the time is up', async () => {
		const signal = deadlineSignal(30);
		expect(signal.aborted).toBe(false);
		await new Promise(resolve => signal.addEventListener('abort', resolve, {once: true}));
		expect((signal.reason as Error).name).toBe('TimeoutError');
	});

	it('aborts with the reason of its parent, before the time is up', () => {
		const parent = new AbortController();
		const signal = deadlineSignal(60_000, parent.signal);
		parent.abort(new Error('stopping'));
		expect(signal.aborted).toBe(true);
		expect((signal.reason as Error).message).toBe('stopping');
	});

	it('is aborted at once when its parent already is', () => {
		const signal = deadlineSignal(60_000, AbortSignal.abort(new Error('gone')));
		expect((signal.reason as Error).message).toBe('gone');
	});
});
