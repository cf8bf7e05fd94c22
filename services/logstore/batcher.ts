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
 * Buffers log records and sends them in batches: every `maxRecords` records or `maxDelayMs` ms,
 * whichever comes first. A failed batch goes back to the front of the buffer and is retried with
 * the next flush, so logging never blocks or throws into the code that logs.
 */
export class LogBatcher {
	private buffer: LogRecord[] = [];
	private timer: NodeJS.Timeout | undefined;
	private sending: Promise<void> | undefined;
	private readonly maxRecords: number;
	private readonly maxDelayMs: number;
	private readonly maxBuffered: number;

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
				this.buffer.unshift(...batch);
				this.options.onError?.(error instanceof Error ? error : new Error(String(error)), 0);
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
