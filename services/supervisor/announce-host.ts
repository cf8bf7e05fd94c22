import {errorMessage} from '../errors.js';
import {HubRefusal} from '../hub/types.js';

export interface AnnouncerOptions {
	/** Announce again this often while nothing changes, so the hub's record stays fresh. */
	refreshMs?: number;
	/** After a failure, wait this long and double it on each further failure, up to `maxRetryMs`. */
	firstRetryMs?: number;
	maxRetryMs?: number;
}

export type AnnounceOutcome = {ok: true; host: string; port: number} | {ok: false; host: string; port: number; error: string; retryInMs: number};

/**
 * Keeps the hub told where this host is: announces an address as soon as it is set and whenever it
 * changes, refreshes it periodically, and retries a hub that cannot be reached with backoff.
 * A failure is an outcome to report, never an exception.
 */
export class HostAnnouncer {
	private address: {host: string; port: number} | undefined;
	private timer: NodeJS.Timeout | undefined;
	private retryMs: number;
	private stopped = false;
	private readonly inFlight = new AbortController();

	constructor(
		private readonly send: (host: string, port: number, signal: AbortSignal) => Promise<void>,
		private readonly report: (outcome: AnnounceOutcome) => void,
		private readonly options: AnnouncerOptions = {},
	) {
		this.retryMs = options.firstRetryMs ?? 1000;
	}

	/** Announces `host:port` now if it differs from the last address set. */
	setAddress(host: string, port: number): void {
		if (this.stopped || (this.address?.host === host && this.address.port === port)) return;
		this.address = {host, port};
		this.retryMs = this.options.firstRetryMs ?? 1000;
		this.schedule(0);
	}

	stop(): void {
		this.stopped = true;
		clearTimeout(this.timer);
		this.inFlight.abort();
	}

	private schedule(delayMs: number): void {
		clearTimeout(this.timer);
		this.timer = setTimeout(() => void this.announce(), delayMs);
	}

	private async announce(): Promise<void> {
		const address = this.address;
		if (this.stopped || !address) return;
		try {
			await this.send(address.host, address.port, this.inFlight.signal);
			if (this.stopped) return;
			this.retryMs = this.options.firstRetryMs ?? 1000;
			this.report({ok: true, ...address});
			if (this.address === address) this.schedule(this.options.refreshMs ?? 10 * 60_000);
		} catch (error) {
			if (this.stopped || this.address !== address) return;
			const retryInMs = error instanceof HubRefusal && error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : this.retryMs;
			this.retryMs = Math.min(this.retryMs * 2, this.options.maxRetryMs ?? 5 * 60_000);
			this.report({ok: false, ...address, error: errorMessage(error), retryInMs});
			this.schedule(retryInMs);
		}
	}
}
