import type {Logger} from '../shared/logger.js';

export interface RegistrationOptions {
	/** etcd client URLs; the first that answers is used. */
	endpoints: string[];
	key: string;
	value: string;
	ttlSeconds: number;
	logger: Logger;
}

/**
 * This ampnode's entry in keyspace (etcd), held under a lease that is kept alive while the
 * process lives: if it dies the lease lapses after `ttlSeconds` and the key disappears. Talks to
 * etcd's v3 HTTP/JSON gateway; lease ids are 64-bit, so they stay strings.
 */
export class KeyspaceRegistration {
	private leaseId: string | undefined;
	private endpoint: string | undefined;
	private timer: NodeJS.Timeout | undefined;
	private stopped = false;

	constructor(private readonly options: RegistrationOptions) {}

	/** Grants the lease and writes the key; retries for some 10 s while keyspace starts (soon at first). */
	async start(): Promise<void> {
		let lastError: unknown;
		const deadline = Date.now() + 10_000;
		for (let attempt = 0; Date.now() < deadline; attempt++) {
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
			this.endpoint = undefined;
		}
		this.scheduleKeepAlive();
	}

	private async call(apiPath: string, body: unknown): Promise<unknown> {
		const endpoints = this.endpoint ? [this.endpoint, ...this.options.endpoints] : this.options.endpoints;
		let lastError: unknown;
		for (const endpoint of endpoints) {
			try {
				const response = await fetch(new URL(apiPath, endpoint), {
					method: 'POST',
					body: JSON.stringify(body),
					signal: AbortSignal.timeout(2_000),
				});
				const text = await response.text();
				if (!response.ok) throw new Error(`${apiPath} answered ${response.status}: ${text.slice(0, 200)}`);
				this.endpoint = endpoint;
				// The keep-alive stream answers one JSON object per line; the first is the one for our request.
				return JSON.parse(text.split('\n')[0] ?? '{}');
			} catch (error) {
				lastError = error;
			}
		}
		throw lastError instanceof Error ? lastError : new Error(String(lastError));
	}
}

function base64(text: string): string {
	return Buffer.from(text, 'utf8').toString('base64');
}

/** Where an ampnode registers: one key per host and port. */
export function registrationKey(instance: string, hostId: number, port: number): string {
	return `/ampzero/${instance}/ampnode/${hostId}/${port}`;
}
