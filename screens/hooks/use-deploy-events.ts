import {useEffect, useReducer, type Dispatch} from 'react';
import type {DeployEvent} from '../../services/deploy/events.js';
import {deployReducer, initialDeployState, type DeployAction, type DeployScreenState} from '../deploy/deploy-reducer.js';

export interface UseDeployEventsOptions {
	/** Events are gathered for at most this long and folded in one dispatch: one render per frame, not per output line. */
	frameMs?: number;
	/** Output lines kept per host. */
	outputLimit?: number;
}

/**
 * Folds a deploy's events into deploy-screen state. The events are read with `for await`; a
 * burst costs one dispatch per frame. When they end without a `deploy-end` the state says so.
 * Leaving the screen stops reading but never ends the deploy: the iterator is not returned, so an
 * engine written as a generator is not cut off between steps (the caller decides about that).
 */
export function useDeployEvents(events: AsyncIterable<DeployEvent>, options: UseDeployEventsOptions = {}): [DeployScreenState, Dispatch<DeployAction>] {
	const frameMs = options.frameMs ?? 33;
	const [state, dispatch] = useReducer(deployReducer, options.outputLimit, initialDeployState);

	useEffect(() => {
		let live = true;
		let queue: DeployEvent[] = [];
		let timer: NodeJS.Timeout | undefined;
		let lastFlush = 0;

		const flush = (): void => {
			timer = undefined;
			lastFlush = Date.now();
			if (queue.length === 0 || !live) return;
			const batch = queue;
			queue = [];
			dispatch({type: 'events', events: batch});
		};
		const schedule = (): void => {
			if (timer) return;
			// The first event after a quiet spell goes out at once (next macrotask, so a burst arriving together stays one dispatch).
			timer = setTimeout(flush, Math.max(0, frameMs - (Date.now() - lastFlush)));
		};
		const end = (error?: unknown): void => {
			if (!live) return;
			clearTimeout(timer);
			flush();
			dispatch(error === undefined ? {type: 'events-ended'} : {type: 'events-ended', error: error instanceof Error ? error.message : String(error)});
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

	return [state, dispatch];
}
