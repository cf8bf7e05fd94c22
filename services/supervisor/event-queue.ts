import type {SupervisorEvent} from './events.js';

/**
 * Events waiting for a slow reader, for `for await`. Bounded: past `maxPending` events, log
 * batches are dropped (state changes never are), so a stalled reader cannot grow memory.
 */
export class EventQueue<T = SupervisorEvent> implements AsyncIterableIterator<T> {
	private readonly pending: T[] = [];
	private waiting: ((result: IteratorResult<T>) => void) | undefined;
	private ended = false;
	private onEnd: (() => void) | undefined;

	constructor(
		private readonly maxPending = 2000,
		/** Which events may be dropped past the bound: log batches. */
		private readonly droppable: (event: T) => boolean = event => (event as {type?: string}).type === 'log-lines',
	) {}

	push(event: T): void {
		if (this.ended) return;
		if (this.waiting) {
			const resolve = this.waiting;
			this.waiting = undefined;
			resolve({value: event, done: false});
			return;
		}
		if (this.pending.length >= this.maxPending && this.droppable(event)) return;
		this.pending.push(event);
	}

	/** No more events; a reader drains what is queued and then finishes. */
	end(): void {
		if (this.ended) return;
		this.ended = true;
		this.onEnd?.();
		if (this.waiting) {
			const resolve = this.waiting;
			this.waiting = undefined;
			resolve({value: undefined, done: true});
		}
	}

	/** Called once when the queue ends, by either side. */
	whenEnded(callback: () => void): void {
		this.onEnd = callback;
	}

	next(): Promise<IteratorResult<T>> {
		const event = this.pending.shift();
		if (event) return Promise.resolve({value: event, done: false});
		if (this.ended) return Promise.resolve({value: undefined, done: true});
		return new Promise(resolve => {
			this.waiting = resolve;
		});
	}

	return(): Promise<IteratorResult<T>> {
		this.end();
		this.pending.length = 0;
		return Promise.resolve({value: undefined, done: true});
	}

	[Symbol.asyncIterator](): AsyncIterableIterator<T> {
		return this;
	}
}
