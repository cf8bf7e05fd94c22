import type {DeployEvent} from './events.js';

/** Deploy events for any number of readers: each `subscribe()` sees every event from the first. */
export class DeployEventStream {
	private readonly events: DeployEvent[] = [];
	private readonly wakers = new Set<() => void>();
	private ended = false;

	push(event: DeployEvent): void {
		if (this.ended) return;
		this.events.push(event);
		this.wake();
	}

	end(): void {
		this.ended = true;
		this.wake();
	}

	private wake(): void {
		for (const waker of [...this.wakers]) waker();
		this.wakers.clear();
	}

	async *subscribe(): AsyncGenerator<DeployEvent> {
		let index = 0;
		for (;;) {
			while (index < this.events.length) yield this.events[index++]!;
			if (this.ended) return;
			await new Promise<void>(resolve => this.wakers.add(resolve));
		}
	}
}
