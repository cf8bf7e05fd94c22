import {AmpError} from '../errors.js';
import {restartBudget, retryWhileRestarting, UnreachableError, type RetryBudget} from '../http/retry-while-restarting.js';
import {RequestSigner, type RequestSignerOptions} from '../keys/request-signing.js';
import {transportFor, type ClientTls, type Transport} from '../tls/transport.js';
import {queryToSearchParams, type LogPage, type LogQuery, type LogRecord} from './records.js';

export {LogBatcher} from './batcher.js';
;

/** A logstore's answer other than 200: `status` tells whether sending the same again may succeed (5xx) or never will (4xx). */
export class LogstoreRefused extends AmpError {
	constructor(
		message: string,
		readonly status: number,
	) {
		super(message);
	}

	get retryable(): boolean {
		return this.status >= 500;
	}
}

export interface LogstoreClientOptions extends RequestSignerOptions {
	url: string;
	/** For an https URL: the instance's CA and this host's certificate. */
	tls?: ClientTls;
	/** How long a request that met the logstore down (refused, reset, 502/503) is tried again: `restartBudget` (10 s) unless given. */
	retry?: RetryBudget;
}

/** Talks to a logstore over HTTP with one keep-alive connection pool, every request signed by the host key. */
export class LogstoreClient {
	private readonly base: URL;
	private readonly transport: Transport;
	private readonly signer: RequestSigner;
	private readonly retry: RetryBudget;

	constructor(options: LogstoreClientOptions) {
		this.retry = options.retry ?? restartBudget;
		this.base = new URL(options.url);
		this.transport = transportFor(this.base, 'logstore', options.tls, 8);
		this.signer = new RequestSigner(options, 'logstore');
	}

	/** Resolves once the logstore has the records durably on disk. */
	async append(records: LogRecord[]): Promise<void> {
		await this.request('POST', '/append', JSON.stringify({records}));
	}

	async query(query: LogQuery = {}): Promise<LogPage> {
		const search = queryToSearchParams(query).toString();
		return (await this.request('GET', search ? `/query?${search}` : '/query')) as LogPage;
	}

	/** Every record matching `query`, page by page. */
	async *queryAll(query: Omit<LogQuery, 'cursor'> = {}): AsyncGenerator<LogRecord> {
		let cursor: string | null | undefined;
		do {
			const page = await this.query({...query, ...(cursor ? {cursor} : {})});
			yield* page.records;
			cursor = page.nextCursor;
		} while (cursor);
	}

	close(): void {
		this.transport.agent.destroy();
	}

	/**
	 * One request, sent again while the logstore is restarting. An append whose answer was lost after
	 * the logstore stored it (a reset mid-answer) is stored twice: records are kept at least once.
	 */
	private request(method: string, path: string, body?: string): Promise<unknown> {
		return retryWhileRestarting(() => this.requestOnce(method, path, body), this.retry);
	}

	private requestOnce(method: string, path: string, body?: string): Promise<unknown> {
		const bytes = Buffer.from(body ?? '');
		const headers: Record<string, string> = {
			...this.signer.headers(method, path, bytes),
			...(body === undefined ? {} : {'content-type': 'application/json', 'content-length': String(bytes.length)}),
		};
		return new Promise((resolve, reject) => {
			const request = this.transport.request(
				{
					host: this.base.hostname,
					port: this.base.port || this.transport.defaultPort,
					method,
					path,
					agent: this.transport.agent,
					headers,
				},
				response => {
					const chunks: Buffer[] = [];
					response.on('data', (chunk: Buffer) => chunks.push(chunk));
					response.on('error', reject);
					response.on('end', () => {
						const text = Buffer.concat(chunks).toString('utf8');
						let parsed: unknown;
						try {
							parsed = JSON.parse(text);
						} catch {
							reject(new LogstoreRefused(`logstore at ${this.base.origin} answered ${method} ${path} with something that is not JSON (status ${response.statusCode})`, response.statusCode ?? 500));
							return;
						}
						if (response.statusCode !== 200) {
							const message = (parsed as {error?: string}).error ?? `status ${response.statusCode}`;
							reject(new LogstoreRefused(`logstore refused ${method} ${path}: ${message} (status ${response.statusCode})`, response.statusCode ?? 500));
							return;
						}
						resolve(parsed);
					});
				},
			);
			request.on('error', error =>
				reject(new UnreachableError(`cannot reach logstore at ${this.base.origin} (${error.message}); is it running?`, error)),
			);
			request.end(bytes);
		});
	}
}
