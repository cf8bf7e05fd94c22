import {EventQueue} from './event-queue.js';
import type {SupervisorEvent} from './events.js';

/** The supervisor's events to every watcher: callbacks, or an async iterator that starts with a snapshot. */
export class EventFanout {
	private readonly listeners = new Set<(event: SupervisorEvent) => void>();

	subscribe(listener: (event: SupervisorEvent) => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	/** `first`, then every event from now on; ends after `supervisor-exit`. */
	iterate(first: SupervisorEvent): AsyncIterableIterator<SupervisorEvent> {
		const queue = new EventQueue();
		queue.push(first);
		const unsubscribe = this.subscribe(event => {
			queue.push(event);
			if (event.type === 'supervisor-exit') queue.end();
		});
		queue.whenEnded(unsubscribe);
		return queue;
	}

	emit(event: SupervisorEvent): void {
		for (const listener of this.listeners) {
			try {
				listener(event);
			} catch {
				// A watcher's failure must not stop the supervisor.
			}
		}
	}
}
