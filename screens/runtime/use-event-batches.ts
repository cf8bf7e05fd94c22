import {useEffect, useMemo, useRef} from 'react';

export interface EventBatchOptions<E> {
	/** Events are gathered for at most this long and handed over together: one render per frame, not per event. */
	frameMs: number;
	/** How long to gather after this batch (a flood may be drawn less often); `frameMs` when absent. */
	nextFrameMs?(batch: readonly E[]): number;
	onBatch(batch: readonly E[]): void;
	/** The events ended (with the error they threw, as text). What was gathered has been handed over. */
	onEnd(error?: string): void;
}

/**
 * Reads a service's events with `for await` and hands them over in batches, one per frame. The
 * first event after a quiet spell goes out at once (next macrotask, so a burst arriving together
 * stays one batch). Leaving the screen stops reading but never returns the iterator: an engine
 * written as a generator is not cut off between steps; its owner ends it.
 */
export function useEventBatches<E>(events: AsyncIterable<E>, options: EventBatchOptions<E>): void {
	const latest = useRef(options);
	latest.current = options;
	const {frameMs} = options;

	useEffect(() => {
		let live = true;
		let queue: E[] = [];
		let timer: NodeJS.Timeout | undefined;
		let lastFlush = 0;
		let interval = frameMs;

		const flush = (): void => {
			timer = undefined;
			lastFlush = Date.now();
			if (queue.length === 0 || !live) return;
			const batch = queue;
			queue = [];
			interval = latest.current.nextFrameMs?.(batch) ?? frameMs;
			latest.current.onBatch(batch);
		};
		const schedule = (): void => {
			if (timer) return;
			timer = setTimeout(flush, Math.max(0, interval - (Date.now() - lastFlush)));
		};
		const end = (error?: unknown): void => {
			if (!live) return;
			clearTimeout(timer);
			flush();
			latest.current.onEnd(error === undefined ? undefined : error instanceof Error ? error.message : String(error));
		};

		const iterator = events[Symbol.asyncIterator]();
		void (async () => {
			try {
				for (;;) {
					const result = await iterator.next();
					if (!live) return;
					if (result.done) break;
					queue.push(result.value);
					schedule();
				}
				end();
			} catch (error) {
				end(error);
			}
		})();

		return () => {
			live = false;
			clearTimeout(timer);
		};
	}, [events, frameMs]);
}

/** useEventBatches on `source.events()`, asked for when the reading starts (not at every render). */
export function useSourceEvents<E>(source: {events(): AsyncIterable<E>}, options: EventBatchOptions<E>): void {
	const events = useMemo<AsyncIterable<E>>(() => ({[Symbol.asyncIterator]: () => source.events()[Symbol.asyncIterator]()}), [source]);
	useEventBatches(events, options);
}
