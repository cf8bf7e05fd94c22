import {errorMessage} from '../errors.js';
import type {NatStatus} from './nat-status.js';
import type {PortMapper} from './port-mapper.js';
import {deadlineSignal} from '../deadline-signal.js';

export interface KeeperOptions {
	/** The lease asked of the gateway. */
	leaseSeconds: number;
	/** Renew this long after each grant; by default at half the lease, well before it ends. */
	renewAfterMs?: number;
	/** How long finding a gateway and mapping may take before the answer is "none". */
	searchTimeoutMs?: number;
	/** How long one renewal or the removal may take. */
	requestTimeoutMs?: number;
}

/**
 * Holds one port mapping for the supervisor's lifetime: maps it, renews it before the lease ends,
 * says when it is lost (and keeps trying), and removes it on stop. Never throws; every outcome is a status.
 */
export class NatMappingKeeper {
	private status: NatStatus = {state: 'searching'};
	private timer: NodeJS.Timeout | undefined;
	private readonly inFlight = new AbortController();
	private stopping: Promise<void> | undefined;
	private started: Promise<void> | undefined;
	private readonly renewAfterMs: number;

	constructor(
		private readonly mapper: PortMapper,
		private readonly port: number,
		private readonly options: KeeperOptions,
		private readonly onStatus: (status: NatStatus) => void,
	) {
		this.renewAfterMs = options.renewAfterMs ?? Math.max(1000, (options.leaseSeconds * 1000) / 2);
	}

	get current(): NatStatus {
		return this.status;
	}

	/** Looks for a gateway and maps the port; resolves once the outcome (mapped or none) is known. */
	start(): Promise<void> {
		this.started ??= this.firstMapping();
		return this.started;
	}

	/** Removes the mapping (once); later calls wait for the same removal. */
	stop(): Promise<void> {
		this.stopping ??= this.removeMapping();
		return this.stopping;
	}

	private async firstMapping(): Promise<void> {
		this.set({state: 'searching'});
		const timeoutMs = this.options.searchTimeoutMs ?? 3000;
		try {
			const mapping = await this.mapper.map(this.port, this.options.leaseSeconds, deadlineSignal(timeoutMs, this.inFlight.signal));
			if (this.stopping) return;
			this.set({state: 'mapped', externalIp: mapping.externalIp, port: mapping.externalPort, via: mapping.via});
			this.scheduleRenewal();
		} catch (error) {
			if (this.stopping) return;
			const why = error instanceof Error && error.name !== 'AbortError' && error.name !== 'TimeoutError' ? errorMessage(error) : `no UPnP/NAT-PMP gateway answered within ${timeoutMs / 1000} s`;
			this.set({state: 'none', reason: why});
		}
	}

	/** After a failed renewal the next try comes sooner (at most 30 s), so a gateway back after a reboot is found quickly. */
	private scheduleRenewal(): void {
		const delay = this.status.state === 'lost' ? Math.min(this.renewAfterMs, 30_000) : this.renewAfterMs;
		this.timer = setTimeout(() => void this.renew(), delay);
	}

	private async renew(): Promise<void> {
		if (this.stopping) return;
		const previous = this.status;
		this.set({...previous, state: 'renewing'});
		try {
			const mapping = await this.mapper.renew(deadlineSignal(this.options.requestTimeoutMs ?? 5000, this.inFlight.signal));
			if (this.stopping) return;
			this.set({state: 'mapped', externalIp: mapping.externalIp, port: mapping.externalPort, via: mapping.via});
		} catch (error) {
			if (this.stopping) return;
			this.set({...previous, state: 'lost', reason: errorMessage(error)});
		}
		this.scheduleRenewal();
	}

	private async removeMapping(): Promise<void> {
		clearTimeout(this.timer);
		this.inFlight.abort();
		await this.started?.catch(() => {});
		try {
			await this.mapper.release(deadlineSignal(this.options.requestTimeoutMs ?? 5000));
		} catch {
			// The lease ends on its own; a gateway that does not answer now cannot be helped.
		}
	}

	private set(status: NatStatus): void {
		this.status = status;
		this.onStatus(status);
	}
}
