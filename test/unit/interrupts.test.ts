import {afterEach, describe, expect, it} from 'vitest';
import {onInterrupts} from '../../source/interrupts.js';

let stop: (() => void) | undefined;
afterEach(() => stop?.());

describe('the double-^C policy', () => {
	it('the first SIGINT or SIGTERM asks for a clean stop, every later one forces', () => {
		const calls: string[] = [];
		stop = onInterrupts({first: signal => calls.push(`first ${signal}`), again: signal => calls.push(`again ${signal}`)});
		process.emit('SIGINT', 'SIGINT');
		process.emit('SIGTERM', 'SIGTERM');
		process.emit('SIGINT', 'SIGINT');
		expect(calls).toEqual(['first SIGINT', 'again SIGTERM', 'again SIGINT']);
	});

	it('stops listening when asked, leaving no handler behind', () => {
		const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
		const calls: string[] = [];
		const remove = onInterrupts({first: () => calls.push('first'), again: () => calls.push('again')});
		expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual([before[0]! + 1, before[1]! + 1]);
		remove();
		expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
	});
});
