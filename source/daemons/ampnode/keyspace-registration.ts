import type http from 'node:http';
import {transportFor, type ClientTls, type Transport} from '../../../services/tls/transport.js';
import type {Logger} from '../shared/logger.js';

export interface RegistrationOptions {
	/** etcd client URLs; the first that answers is used. */
	endpoints: string[];
	key: string;
	value: string;
	ttlSeconds: number;
	logger: Logger;
	/** For https endpoints (a keyspace cluster across hosts): the instance's CA and this host's certificate. */
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
	private endpoint: string | undefined;
	private timer: NodeJS.Timeout | undefined;
	private stopped = false;
	private readonly transports = new Map<string, Transport>();

	constructor(private readonly options: RegistrationOptions) {}

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
			this.endpoint = undefined;
		}
		this.scheduleKeepAlive();
	}

	private async call(apiPath: string, body: unknown): Promise<unknown> {
		// The one that answered last first, each tried once: a member that hangs costs one timeout, not two.
		const endpoints = [...new Set(this.endpoint ? [this.endpoint, ...this.options.endpoints] : this.options.endpoints)];
		let lastError: unknown;
		for (const endpoint of endpoints) {
			try {
				const {status, text} = await this.post(new URL(apiPath, endpoint), JSON.stringify(body));
				if (status < 200 || status > 299) throw new Error(`${apiPath} answered ${status}: ${text.slice(0, 200)}`);
				this.endpoint = endpoint;
				// The keep-alive stream answers one JSON object per line; the first is the one for our request.
				return JSON.parse(text.split('\n')[0] ?? '{}');
			} catch (error) {
				lastError = error;
			}
		}
		throw lastError instanceof Error ? lastError : new Error(String(lastError));
	}

	private transport(url: URL): Transport {
		let transport = this.transports.get(url.origin);
		if (!transport) {
			transport = transportFor(url, 'keyspace', this.options.tls, 2);
			this.transports.set(url.origin, transport);
		}
		return transport;
	}

	/** One POST with a 2 s limit on the whole exchange (the keep-alive answer is a stream that ends with the request). */
	private post(url: URL, body: string): Promise<{status: number; text: string}> {
		const transport = this.transport(url);
		return new Promise((resolve, reject) => {
			const request = transport.request(
				{host: url.hostname, port: url.port || transport.defaultPort, method: 'POST', path: url.pathname, agent: transport.agent, headers: {'content-type': 'application/json', 'content-length': Buffer.byteLength(body)}, timeout: 2_000},
				(response: http.IncomingMessage) => {
					let text = '';
					response.setEncoding('utf8');
					response.on('data', (chunk: string) => (text += chunk));
					response.on('end', () => resolve({status: response.statusCode ?? 0, text}));
					response.on('error', reject);
				},
			);
			const timer = setTimeout(() => request.destroy(new Error(`no answer from ${url.origin} in 2 s`)), 2_000);
			request.on('close', () => clearTimeout(timer));
			request.on('timeout', () => request.destroy(new Error(`no answer from ${url.origin} in 2 s`)));
			request.on('error', reject);
			request.end(body);
		});
	}
}

function base64(text: string): string {
	return Buffer.from(text, 'utf8').toString('base64');
}

/** Where an ampnode registers: one key per host and port (and per machine, for an instance over several: they share the host key). */
export function registrationKey(instance: string, hostId: number, port: number, machine?: string): string {
	return `/ampzero/${instance}/ampnode/${hostId}/${machine === undefined ? '' : `${machine}/`}${port}`;
}
