export interface FairGateLimits {
	/** Requests handled at once. */
	inFlight: number;
	/** Requests of one source waiting for their turn. */
	queuedPerSource: number;
	/** Requests waiting in all. */
	queued: number;
}

/**
 * Bounded concurrency with a fair queue: at most `inFlight` requests run at once; the others wait
 * in one queue per source, served in turn (round robin over the sources), so a source that sends
 * hundreds at once delays another's single request by at most one turn per busy source. A request
 * past the queue bounds is refused at once (`enter` returns false), and its caller answers 503.
 */
export class FairGate {
	private running = 0;
	private waiting = 0;
	/** Insertion order is the round-robin order: a source served goes to the back. */
	private readonly queues = new Map<string, Array<() => void>>();

	constructor(private readonly limits: FairGateLimits) {}

	/** Runs `work` now or when its turn comes; false (and `work` never runs) when the queues are full. */
	enter(source: string, work: () => Promise<void>): boolean {
		const start = (): void => {
			this.running += 1;
			void work().finally(() => {
				this.running -= 1;
				this.next();
			});
		};
		if (this.running < this.limits.inFlight && this.waiting === 0) {
			start();
			return true;
		}
		const queue = this.queues.get(source) ?? [];
		if (queue.length >= this.limits.queuedPerSource || this.waiting >= this.limits.queued) return false;
		queue.push(start);
		this.queues.set(source, queue);
		this.waiting += 1;
		return true;
	}

	get queued(): number {
		return this.waiting;
	}

	private next(): void {
		while (this.running < this.limits.inFlight) {
			const first = this.queues.entries().next();
			if (first.done) return;
			const [source, queue] = first.value;
			const start = queue.shift()!;
			this.queues.delete(source);
			if (queue.length > 0) this.queues.set(source, queue);
			this.waiting -= 1;
			start();
		}
	}
}
