import http from 'node:http';
import https from 'node:https';
import type {AddressInfo} from 'node:net';
import {limitConnections} from '../../../services/http/connection-limits.js';
import {HttpError} from '../../../services/http/http-error.js';
import type {Logger} from './logger.js';

/** What a route answers: a status and a JSON-serialisable body, or JSON text already made. */
export type JsonReply = ({status: number; body: unknown} | {status: number; json: string}) & {retryAfterSeconds?: number};

export interface RequestContext {
	request: http.IncomingMessage;
	method: string;
	/** The path without the query string. */
	path: string;
	query: URLSearchParams;
}

type RequestHandler = (context: RequestContext) => Promise<JsonReply> | JsonReply;

export interface HttpServerOptions {
	host: string;
	/** 0 picks a free port. */
	port: number;
	logger: Logger;
	handle: RequestHandler;
	/** What `GET /health` reports besides `status: "ok"`; answered without any other check. */
	health?: () => Record<string, unknown>;
	/** How long `close()` waits for in-flight requests before cutting connections. */
	drainMs?: number;
	/** Serve HTTPS with this certificate and key (PEM), as a daemon reached from other hosts does. */
	tls?: {cert: string; key: string};
	/** Open connections one source address may hold (default 64); more are closed at once. */
	maxConnectionsPerSource?: number;
	/** Open connections in all (default 1024). */
	maxConnections?: number;
}

export interface RunningHttpServer {
	port: number;
	host: string;
	/** Stops accepting, finishes in-flight requests (up to `drainMs`), then resolves. */
	close(): Promise<void>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
	const {logger, handle} = options;
	let closing = false;
	const onRequest = (request: http.IncomingMessage, response: http.ServerResponse): void => {
		if (closing) response.shouldKeepAlive = false;
		void answer(request, response);
	};
	// A client gets 10 s to send its headers and 60 s for the whole request: a slow one cannot hold a connection for long.
	const timeouts = {keepAliveTimeout: 30_000, headersTimeout: 10_000, requestTimeout: 60_000};
	const server: http.Server = options.tls
		? https.createServer({...timeouts, cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2'}, onRequest)
		: http.createServer(timeouts, onRequest);
	limitConnections(server, options.maxConnectionsPerSource ?? 64, options.maxConnections ?? 1024, logger);

	async function answer(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
		const url = request.url ?? '/';
		const queryStart = url.indexOf('?');
		const path = queryStart === -1 ? url : url.slice(0, queryStart);
		const query = new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1));
		const method = request.method ?? 'GET';
		let reply: JsonReply;
		try {
			if (path === '/health' && method === 'GET') reply = {status: 200, body: {status: 'ok', ...options.health?.()}};
			else reply = await handle({request, method, path, query});
		} catch (error) {
			if (error instanceof HttpError) {
				reply = {status: error.status, body: {error: error.message}, ...(error.retryAfterSeconds === undefined ? {} : {retryAfterSeconds: error.retryAfterSeconds})};
			} else {
				logger.error(`${method} ${path}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
				reply = {status: 500, body: {error: 'internal error; the daemon log has the details'}};
			}
		}
		logger.debug(`${method} ${url} ${reply.status}`);
		// A request refused before its body was read: close the connection rather than read the body to keep it.
		if (closing || !request.complete) response.shouldKeepAlive = false;
		const text = 'json' in reply ? reply.json : JSON.stringify(reply.body);
		response.writeHead(reply.status, {
			'content-type': 'application/json; charset=utf-8',
			'content-length': Buffer.byteLength(text),
			...(reply.retryAfterSeconds === undefined ? {} : {'retry-after': String(reply.retryAfterSeconds)}),
		});
		response.end(text);
	}

	const {port, close} = await listenWithDrain(server, options, () => {
		closing = true;
	});
	return {port, host: options.host, close};
}

/**
 * Listens, and gives the `close()` every daemon's SIGTERM uses: stop accepting, let in-flight
 * requests finish (up to `drainMs`), then cut whatever connections are left.
 */
export async function listenWithDrain(
	server: http.Server,
	options: {host: string; port: number; logger: Logger; drainMs?: number},
	onClosing: () => void,
): Promise<{port: number; close(): Promise<void>}> {
	const {logger} = options;
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port, options.host, () => {
			server.off('error', reject);
			resolve();
		});
	});
	server.on('error', error => logger.error(`server: ${error.message}`));
	let closed: Promise<void> | undefined;
	const close = (): Promise<void> => {
		closed ??= new Promise<void>(resolve => {
			onClosing();
			const cutoff = setTimeout(() => {
				logger.warn('in-flight requests did not finish in time; closing their connections');
				server.closeAllConnections();
			}, options.drainMs ?? 4000);
			server.close(() => {
				clearTimeout(cutoff);
				resolve();
			});
			server.closeIdleConnections();
		});
		return closed;
	};
	return {port: (server.address() as AddressInfo).port, close};
}
