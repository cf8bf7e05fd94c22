import type http from 'node:http';
import {transportFor, type ClientTls, type Transport} from '../../../services/tls/transport.js';

/**
 * Calls etcd's v3 HTTP/JSON gateway on the instance's keyspace members: the member that answered
 * last first, each tried once, every exchange limited to 2 s.
 */
export class KeyspaceClient {
	private endpoint: string | undefined;
	private readonly transports = new Map<string, Transport>();

	constructor(
		private readonly endpoints: string[],
		private readonly tls?: ClientTls,
	) {}

	/** After a failure: start with the first member again next time. */
	forgetEndpoint(): void {
		this.endpoint = undefined;
	}

	async call(apiPath: string, body: unknown): Promise<unknown> {
		// The one that answered last first, each tried once: a member that hangs costs one timeout, not two.
		const endpoints = [...new Set(this.endpoint ? [this.endpoint, ...this.endpoints] : this.endpoints)];
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
			transport = transportFor(url, 'keyspace', this.tls, 2);
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

export function base64(text: string): string {
	return Buffer.from(text, 'utf8').toString('base64');
}
