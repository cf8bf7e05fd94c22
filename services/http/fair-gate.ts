export interface FairGateLimits {
	/** Requests handled at once. */
	inFlight: number;
	/**
	 * Requests of one source handled at once (default `inFlight`): a source at its share waits even
	 * while slots are free, so that those free slots are there for the other sources' requests.
	 */
	inFlightPerSource?: number;
	/** Requests of one source waiting for their turn. */
	queuedPerSource: number;
	/** Requests waiting in all. */
	queued: number;
}

/**
 * Bounded concurrency with a fair queue: at most `inFlight` requests run at once, at most
 * `inFlightPerSource` of one source; the others wait in one queue per source, served in turn
 * (round robin over the sources under their share), so a source that sends hundreds at once
 * neither fills every slot nor delays another's single request by more than a turn per busy
 * source. Work entered `first` (requests the caller has already found within a budget of their
 * own, such as registrations) starts at once or waits in a lane of its own served before the
 * queues; other work starts at the end of the event loop's turn that read it (see `schedule`). A
 * request past the queue bounds is refused at once (`enter` returns false), and its caller answers 503.
 */
export class FairGate {
	private running = 0;
	private waiting = 0;
	private readonly perSource: number;
	private readonly runningBySource = new Map<string, number>();
	/** Insertion order is the round-robin order: a source served goes to the back. */
	private readonly queues = new Map<string, Array<() => void>>();
	private readonly firstLane: Array<() => void> = [];
	private scheduled = false;

	constructor(private readonly limits: FairGateLimits) {
		this.perSource = limits.inFlightPerSource ?? limits.inFlight;
	}

	/**
	 * Runs `work` when its turn comes: work entered `first` at once if a slot is free, other work at
	 * the end of this turn of the event loop, once the requests read in the same turn have entered
	 * too. False (and `work` never runs) when the queues are full.
	 */
	enter(source: string, work: () => Promise<void>, options: {first?: boolean} = {}): boolean {
		const start = (): void => {
			this.running += 1;
			this.runningBySource.set(source, (this.runningBySource.get(source) ?? 0) + 1);
			void work().finally(() => {
				this.running -= 1;
				const left = (this.runningBySource.get(source) ?? 1) - 1;
				if (left <= 0) this.runningBySource.delete(source);
				else this.runningBySource.set(source, left);
				this.schedule();
			});
		};
		if (options.first === true && this.running < this.limits.inFlight && this.firstLane.length === 0) {
			start();
			return true;
		}
		if (this.waiting >= this.limits.queued) return false;
		if (options.first === true) {
			this.firstLane.push(start);
			this.waiting += 1;
			return true;
		}
		const queue = this.queues.get(source) ?? [];
		if (queue.length >= this.limits.queuedPerSource) return false;
		queue.push(start);
		this.queues.set(source, queue);
		this.waiting += 1;
		this.schedule();
		return true;
	}

	get queued(): number {
		return this.waiting;
	}

	/*
	 * Work starts from setImmediate, after the poll phase in which node reads every connection that
	 * is ready, never straight from the callback that read a request: work started there would run
	 * to its end in that callback's microtasks (a forged announce's body is already buffered), so
	 * the requests read first would all be handled before a request read later in the same turn
	 * were even parsed, whatever their sources and the queues' order.
	 */
	private schedule(): void {
		if (this.scheduled) return;
		this.scheduled = true;
		setImmediate(() => {
			this.scheduled = false;
			this.next();
		});
	}

	private underShare(source: string): boolean {
		return (this.runningBySource.get(source) ?? 0) < this.perSource;
	}

	private next(): void {
		while (this.running < this.limits.inFlight) {
			const first = this.firstLane.shift();
			if (first !== undefined) {
				this.waiting -= 1;
				first();
				continue;
			}
			const turn = this.nextTurn();
			if (turn === undefined) return;
			const [source, queue] = turn;
			const start = queue.shift()!;
			this.queues.delete(source);
			if (queue.length > 0) this.queues.set(source, queue);
			this.waiting -= 1;
			start();
		}
	}

	/** The first source in round-robin order that is under its share. */
	private nextTurn(): [string, Array<() => void>] | undefined {
		for (const entry of this.queues) if (this.underShare(entry[0])) return entry;
		return undefined;
	}
}
