import type {LogRecord} from './records.js';

export interface LogBatcherOptions {
	/** Sends one batch; the batcher never runs two at once. */
	send: (records: LogRecord[]) => Promise<void>;
	/** Flush as soon as this many records wait. */
	maxRecords?: number;
	/** Flush records that have waited this long. */
	maxDelayMs?: number;
	/** Records kept while the logstore is unreachable; the oldest are dropped beyond it. */
	maxBuffered?: number;
	/** Told about failed sends and dropped records (a logger line; never throws). */
	onError?: (error: Error, droppedRecords: number) => void;
}

/**
 * Whether sending a batch again may succeed: yes for a network error or a 5xx answer; no when the
 * logstore refused the batch itself (an error with `retryable: false`, a 4xx), which would block every later batch.
 */
function retryable(error: unknown): boolean {
	const flag = (error as {retryable?: unknown} | null)?.retryable;
	return typeof flag === 'boolean' ? flag : true;
}

/**
 * Buffers log records and sends them in batches: every `maxRecords` records or `maxDelayMs` ms,
 * whichever comes first. A batch that failed in a way that may pass later goes back to the front of the
 * buffer and is retried with the next flush; one the logstore refused is dropped, counted and reported.
 * Logging never blocks or throws into the code that logs.
 */
export class LogBatcher {
	private buffer: LogRecord[] = [];
	private timer: NodeJS.Timeout | undefined;
	private sending: Promise<void> | undefined;
	private readonly maxRecords: number;
	private readonly maxDelayMs: number;
	private readonly maxBuffered: number;
	/** Records the logstore refused (a 4xx): dropped rather than retried forever. */
	refusedRecords = 0;

	constructor(private readonly options: LogBatcherOptions) {
		this.maxRecords = options.maxRecords ?? 100;
		this.maxDelayMs = options.maxDelayMs ?? 1000;
		this.maxBuffered = options.maxBuffered ?? 100_000;
	}

	get buffered(): number {
		return this.buffer.length;
	}

	add(record: LogRecord): void {
		this.buffer.push(record);
		const overflow = this.buffer.length - this.maxBuffered;
		if (overflow > 0) {
			this.buffer.splice(0, overflow);
			this.options.onError?.(new Error('log buffer full'), overflow);
		}
		if (this.buffer.length >= this.maxRecords) void this.flush();
		else this.timer ??= setTimeout(() => void this.flush(), this.maxDelayMs).unref();
	}

	/** Sends everything buffered now; resolves when it is sent (or the send failed and was kept). */
	async flush(): Promise<void> {
		if (this.timer !== undefined) {
			clearTimeout(this.timer);
			this.timer = undefined;
		}
		while (this.sending !== undefined) await this.sending;
		if (this.buffer.length === 0) return;
		const batch = this.buffer.splice(0, this.maxRecords);
		let sent = false;
		this.sending = this.options.send(batch).then(
			() => {
				sent = true;
			},
			(error: unknown) => {
				const failure = error instanceof Error ? error : new Error(String(error));
				if (retryable(error)) {
					this.buffer.unshift(...batch);
					this.options.onError?.(failure, 0);
					return;
				}
				this.refusedRecords += batch.length;
				// Not a reason to stop: the records after it go out with the next flush.
				sent = true;
				this.options.onError?.(failure, batch.length);
			},
		);
		try {
			await this.sending;
		} finally {
			this.sending = undefined;
		}
		// After a failure the rest waits for the timer rather than hammering an unreachable logstore.
		if (sent && this.buffer.length >= this.maxRecords) await this.flush();
		else if (this.buffer.length > 0) this.timer ??= setTimeout(() => void this.flush(), this.maxDelayMs).unref();
	}

	/** Flushes until empty or a send fails; for shutdown. */
	async close(): Promise<void> {
		for (let attempts = 0; this.buffer.length > 0 && attempts < 3; attempts++) {
			const before = this.buffer.length;
			await this.flush();
			if (this.buffer.length >= before) break;
		}
		if (this.timer !== undefined) clearTimeout(this.timer);
		this.timer = undefined;
	}
}
