import {AmpError} from '../errors.js';
import {restartBudget, retryWhileRestarting, UnreachableError, type RetryBudget} from '../http/retry-while-restarting.js';
import {RequestSigner, type RequestSignerOptions} from '../keys/request-signing.js';
import {transportFor, type ClientTls, type Transport} from '../tls/transport.js';
import {
	maxBatchSize,
	zerodataPaths,
	type BatchOperation,
	type BatchResult,
	type Entity,
	type EntityId,
	type EntityKey,
	type EntityPage,
	type EntityQuery,
} from './types.js';

export interface ZerodataClientOptions extends RequestSignerOptions {
	url: string;
	/** Concurrent connections kept open (default 32). */
	maxSockets?: number;
	/**
	 * Send the single gets, puts and deletes issued in the same turn of the event loop as one
	 * signed `/v1/batch` request (default true). Each still resolves or fails on its own; this
	 * spares zerodata one signature check and one HTTP round trip per operation.
	 */
	coalesce?: boolean;
	/**
	 * With coalescing, at most this many `/v1/batch` requests are in flight (default 4); operations
	 * issued meanwhile wait and go together in the next one, so under load each signature (made
	 * here, checked by zerodata) covers more operations.
	 */
	maxBatchesInFlight?: number;
	/** For an https URL: the instance's CA and this host's certificate. */
	tls?: ClientTls;
	/** How long a request that met zerodata down (refused, reset, 502/503) is tried again: `restartBudget` (10 s) unless given. */
	retry?: RetryBudget;
}

interface QueuedOperation {
	operation: BatchOperation;
	resolve: (result: BatchResult) => void;
	reject: (error: Error) => void;
}

/** The zerodata API with every request signed by the host key. */
export class ZerodataClient {
	private readonly base: URL;
	private readonly signer: RequestSigner;
	private readonly transport: Transport;
	private readonly coalesce: boolean;
	private queue: QueuedOperation[] = [];
	private flushScheduled = false;
	private batchesInFlight = 0;
	private readonly maxBatchesInFlight: number;
	private readonly retry: RetryBudget;

	constructor(options: ZerodataClientOptions) {
		this.retry = options.retry ?? restartBudget;
		this.base = new URL(options.url);
		this.transport = transportFor(this.base, 'zerodata', options.tls, options.maxSockets ?? 32);
		this.signer = new RequestSigner(options, 'zerodata');
		this.coalesce = options.coalesce ?? true;
		this.maxBatchesInFlight = options.maxBatchesInFlight ?? 4;
	}

	/** `count` fresh ids for `kind`, never handed out before. */
	async allocateIds(kind: string, count: number): Promise<number[]> {
		return ((await this.call(zerodataPaths.allocateIds, {kind, count})) as {ids: number[]}).ids;
	}

	async get(kind: string, id: EntityId): Promise<Entity | null> {
		return ((await this.single({op: 'get', kind, id})) as {entity: Entity | null}).entity;
	}

	/** Creates or replaces the entity; resolves once it is stored. */
	async put(kind: string, id: EntityId, properties: Record<string, unknown>): Promise<void> {
		await this.single({op: 'put', kind, id, properties});
	}

	/** Whether there was such an entity. */
	async delete(kind: string, id: EntityId): Promise<boolean> {
		return ((await this.single({op: 'delete', kind, id})) as {deleted: boolean}).deleted;
	}

	/** Entities of a kind whose top-level property equals the value, one page at a time in id order. */
	async query(query: EntityQuery): Promise<EntityPage> {
		return (await this.call(zerodataPaths.query, query)) as EntityPage;
	}

	/** In the order of `keys`; null where there is no such entity. */
	async getMany(keys: EntityKey[]): Promise<Array<Entity | null>> {
		return ((await this.call(zerodataPaths.getMany, {keys})) as {entities: Array<Entity | null>}).entities;
	}

	/** All or nothing: one transaction. */
	async putMany(entities: Entity[]): Promise<void> {
		await this.call(zerodataPaths.putMany, {entities});
	}

	/** How many of them existed. */
	async deleteMany(keys: EntityKey[]): Promise<number> {
		return ((await this.call(zerodataPaths.deleteMany, {keys})) as {deleted: number}).deleted;
	}

	close(): void {
		this.transport.agent.destroy();
	}

	private single(operation: BatchOperation): Promise<BatchResult> {
		if (!this.coalesce) {
			const {op, ...payload} = operation;
			return this.call(zerodataPaths[op], payload) as Promise<BatchResult>;
		}
		return new Promise((resolve, reject) => {
			this.queue.push({operation, resolve, reject});
			if (!this.flushScheduled) {
				this.flushScheduled = true;
				setImmediate(() => this.flushQueue());
			}
		});
	}

	private flushQueue(): void {
		this.flushScheduled = false;
		while (this.queue.length > 0 && this.batchesInFlight < this.maxBatchesInFlight) {
			const group = this.queue.splice(0, maxBatchSize);
			this.batchesInFlight += 1;
			const sent = this.call(zerodataPaths.batch, {ops: group.map(queued => queued.operation)});
			void sent.finally(() => {
				this.batchesInFlight -= 1;
				if (this.queue.length > 0 && !this.flushScheduled) {
					this.flushScheduled = true;
					setImmediate(() => this.flushQueue());
				}
			}).catch(() => {});
			sent.then(
				reply => {
					const results = (reply as {results: BatchResult[]}).results;
					group.forEach((queued, position) => {
						const result = results[position];
						if (result === undefined) queued.reject(new AmpError('zerodata answered a batch with too few results'));
						else if ('error' in result) queued.reject(new ZerodataError(400, `zerodata refused ${zerodataPaths[queued.operation.op]}: ${result.error}`));
						else queued.resolve(result);
					});
				},
				(error: Error) => {
					for (const queued of group) queued.reject(error);
				},
			);
		}
	}

	private async call(path: string, payload: unknown): Promise<unknown> {
		const body = Buffer.from(JSON.stringify(payload));
		// Every operation is safe to send again (a put replaces, ids never handed out are skipped); each attempt is signed afresh.
		const send = (): Promise<unknown> => retryWhileRestarting(() => this.send(path, body), this.retry);
		try {
			return await send();
		} catch (error) {
			// A host key rotated by `hub update`: read it again and, if it changed, send once more with it.
			if (!(error instanceof ZerodataError) || error.status !== 401 || !(await this.signer.refresh())) throw error;
			return send();
		}
	}

	private send(path: string, body: Buffer): Promise<unknown> {
		const headers = {
			...this.signer.headers('POST', path, body),
			'content-type': 'application/json',
			'content-length': String(body.length),
		};
		return new Promise((resolve, reject) => {
			const request = this.transport.request(
				{host: this.base.hostname, port: this.base.port || this.transport.defaultPort, method: 'POST', path, headers, agent: this.transport.agent},
				response => {
					const chunks: Buffer[] = [];
					response.on('data', (chunk: Buffer) => chunks.push(chunk));
					response.on('error', reject);
					response.on('end', () => {
						let parsed: unknown;
						try {
							parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
						} catch {
							reject(new AmpError(`zerodata at ${this.base.origin} answered ${path} with something that is not JSON (status ${response.statusCode})`));
							return;
						}
						if (response.statusCode !== 200) {
							const message = (parsed as {error?: string}).error ?? `status ${response.statusCode}`;
							reject(new ZerodataError(response.statusCode ?? 0, `zerodata refused ${path}: ${message}`));
							return;
						}
						resolve(parsed);
					});
				},
			);
			request.on('error', error => reject(new UnreachableError(`cannot reach zerodata at ${this.base.origin} (${error.message}); is it running?`, error)));
			request.end(body);
		});
	}
}

/** zerodata answered, but not with success: `status` is the HTTP status (401 refused signature, 400 bad request, …). */
class ZerodataError extends AmpError {
	constructor(
		readonly status: number,
		message: string,
	) {
		super(message);
	}
}
