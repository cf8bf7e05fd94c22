import type {DeployEvent} from '../../services/deploy/events.js';

type DeployEnd = Extract<DeployEvent, {type: 'deploy-end'}>;

export interface DeployEventPump {
	/**
	 * The events for one reader (the screen), in order. A reader that stops early does not stop
	 * the deploy: the pump goes on reading the source to its end, so the engine always finishes
	 * (or rolls back) and its `finally` blocks run in order.
	 */
	readonly events: AsyncIterable<DeployEvent>;
	/** Settles when the source ends: with its deploy-end event if one came, or the error it threw. */
	readonly done: Promise<{end?: DeployEnd; error?: unknown}>;
	/** `listener` gets every event that arrives from now on. */
	listen(listener: (event: DeployEvent) => void): void;
}

/** Starts reading a deploy's events at once, whoever listens. */
export function pumpDeployEvents(source: AsyncIterable<DeployEvent>): DeployEventPump {
	const queue: DeployEvent[] = [];
	const listeners: Array<(event: DeployEvent) => void> = [];
	let wake: (() => void) | undefined;
	let finished = false;
	let readerLeft = false;
	let end: DeployEnd | undefined;

	const done = (async (): Promise<{end?: DeployEnd; error?: unknown}> => {
		try {
			for await (const event of source) {
				if (event.type === 'deploy-end') end = event;
				for (const listener of listeners) listener(event);
				if (!readerLeft) queue.push(event);
				wake?.();
			}
			return end ? {end} : {};
		} catch (error) {
			return end ? {end, error} : {error};
		} finally {
			finished = true;
			wake?.();
		}
	})();

	async function* reader(): AsyncGenerator<DeployEvent> {
		try {
			for (;;) {
				const event = queue.shift();
				if (event) {
					yield event;
					continue;
				}
				if (finished) {
					const outcome = await done;
					if (outcome.error !== undefined) throw outcome.error;
					return;
				}
				await new Promise<void>(resolve => {
					wake = resolve;
				});
				wake = undefined;
			}
		} finally {
			if (!finished) readerLeft = true;
			queue.length = 0;
		}
	}

	return {
		events: {[Symbol.asyncIterator]: reader},
		done,
		listen(listener) {
			listeners.push(listener);
		},
	};
}
