import type {ClientTls} from '../../../services/tls/transport.js';
import type {Logger} from '../shared/logger.js';
import {base64, KeyspaceClient} from './keyspace-client.js';

export interface RegistrationOptions {
	/** etcd client URLs; the first that answers is used. */
	endpoints: string[];
	key: string;
	value: string;
	ttlSeconds: number;
	logger: Logger;
	/** What the keyspace admits: its CA and the certificate this host shows (see config/keyspace-tls.ts). */
	tls?: ClientTls;
	/** How long start() keeps trying while keyspace comes up (default 5 s; a cluster across hosts waits for its quorum). */
	startTimeoutMs?: number;
}

/**
 * This ampnode's entry in keyspace (etcd), held under a lease that is kept alive while the
 * process lives: if it dies the lease lapses after `ttlSeconds` and the key disappears. Talks to
 * etcd's v3 HTTP/JSON gateway; lease ids are 64-bit, so they stay strings.
 */
export class KeyspaceRegistration {
	private leaseId: string | undefined;
	private timer: NodeJS.Timeout | undefined;
	private stopped = false;
	private readonly client: KeyspaceClient;

	constructor(private readonly options: RegistrationOptions) {
		this.client = new KeyspaceClient(options.endpoints, options.tls);
	}

	/** Grants the lease and writes the key; retries for some 10 s while keyspace starts (soon at first). */
	async start(): Promise<void> {
		let lastError: unknown;
		const deadline = Date.now() + (this.options.startTimeoutMs ?? 10_000);
		for (let attempt = 0; attempt === 0 || Date.now() < deadline; attempt++) {
			if (this.stopped) return;
			try {
				await this.register();
				this.scheduleKeepAlive();
				return;
			} catch (error) {
				lastError = error;
				await new Promise(resolve => setTimeout(resolve, Math.min(25 * 2 ** attempt, 500)));
			}
		}
		throw new Error(`cannot register in keyspace at ${this.options.endpoints.join(', ')}: ${String((lastError as Error | undefined)?.message ?? lastError)}; is keyspace (etcd) running?`);
	}

	/** Stops the keep-alive and revokes the lease, so the key goes at once. */
	async stop(): Promise<void> {
		this.stopped = true;
		if (this.timer !== undefined) clearTimeout(this.timer);
		if (this.leaseId === undefined) return;
		try {
			await this.call('/v3/lease/revoke', {ID: this.leaseId});
		} catch (error) {
			this.options.logger.warn(`could not revoke the keyspace lease (it lapses by itself): ${(error as Error).message}`);
		}
	}

	private async register(): Promise<void> {
		const grant = (await this.call('/v3/lease/grant', {TTL: this.options.ttlSeconds})) as {ID?: string};
		if (!grant.ID) throw new Error('keyspace granted no lease');
		await this.call('/v3/kv/put', {key: base64(this.options.key), value: base64(this.options.value), lease: grant.ID});
		this.leaseId = grant.ID;
		this.options.logger.info(`registered in keyspace as ${this.options.key} (lease ${grant.ID}, ${this.options.ttlSeconds} s)`);
	}

	private scheduleKeepAlive(): void {
		if (this.stopped) return;
		const intervalMs = Math.max(500, (this.options.ttlSeconds * 1000) / 3);
		this.timer = setTimeout(() => void this.keepAlive(), intervalMs);
		this.timer.unref();
	}

	private async keepAlive(): Promise<void> {
		try {
			const answer = (await this.call('/v3/lease/keepalive', {ID: this.leaseId})) as {result?: {TTL?: string}};
			// A TTL of 0 (or none) means the lease already expired, e.g. keyspace was down too long: register afresh.
			if (!answer.result?.TTL || Number(answer.result.TTL) <= 0) {
				this.options.logger.warn('keyspace lease expired; registering again');
				await this.register();
			}
		} catch (error) {
			this.options.logger.warn(`keyspace keep-alive failed: ${(error as Error).message}`);
			this.client.forgetEndpoint();
		}
		this.scheduleKeepAlive();
	}

	private call(apiPath: string, body: unknown): Promise<unknown> {
		return this.client.call(apiPath, body);
	}
}


/** Where an ampnode registers: one key per host and port (and per machine, for an instance over several: they share the host key). */
export function registrationKey(instance: string, hostId: number, port: number, machine?: string): string {
	return `/ampzero/${instance}/ampnode/${hostId}/${machine === undefined ? '' : `${machine}/`}${port}`;
}
