import http from 'node:http';
import path from 'node:path';
import {HttpError} from '../../../services/http/http-error.js';
import {readBody} from '../../../services/http/request-body.js';
import type {LogRecord} from '../../../services/logstore/records.js';
import {listenWithDrain} from '../shared/http-server.js';
import type {Logger} from '../shared/logger.js';
import {badLoginLinkPage, renderHome, signedOutPage, simplePage, type PageValues} from './pages.js';
import type {ServiceContext, ServiceRequest, ServiceResponse, ServiceRoute} from './service-api.js';
import type {LoadedServices} from './service-loader.js';
import {clearedSessionCookie, readCookie, sessionCookie, sessionCookieName, type Session, type SessionStore} from './sessions.js';
import {sendStaticFile} from './static-files.js';
import {readTemplate} from './templates.js';

/** The largest body a service's POST may send. */
const maxServiceBodyBytes = 1_000_000;

export interface AmpnodeServerOptions {
	host: string;
	port: number;
	instance: string;
	title: string;
	hostId: number;
	/** `ampnode/`: its www/ is served as static files. */
	ampnodeDirectory: string;
	templatesDirectory: string;
	homeTemplate: string;
	sessions: SessionStore;
	services: LoadedServices;
	/** Handed to services as `context.data`; told about each sign-in. */
	data: {put(kind: string, id: number | string, properties: Record<string, unknown>): Promise<void>} | undefined;
	logger: Logger;
	/** Where access and error records go (logstore, in batches). */
	record: (record: LogRecord) => void;
	/** Name of this ampnode in log records. */
	logHost: string;
	drainMs?: number;
}

export interface RunningAmpnodeServer {
	port: number;
	/** Stops accepting, finishes in-flight requests (up to `drainMs`), then resolves. */
	close(): Promise<void>;
}

interface Reply {
	status: number;
	headers: Record<string, string | string[]>;
	body: string | Buffer;
}

const html = (status: number, body: string, headers: Record<string, string | string[]> = {}): Reply => ({
	status,
	headers: {'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers},
	body,
});
const redirect = (location: string, headers: Record<string, string | string[]> = {}): Reply => ({
	status: 303,
	headers: {location, 'cache-control': 'no-store', ...headers},
	body: '',
});

export async function startAmpnodeServer(options: AmpnodeServerOptions): Promise<RunningAmpnodeServer> {
	const {logger} = options;
	const wwwDirectory = path.join(options.ampnodeDirectory, 'www');
	const pageValues: PageValues = {title: options.title, instance: options.instance, hostId: options.hostId, port: options.port};
	let closing = false;

	const logError = (message: string, data: Record<string, unknown> = {}): void => {
		logger.error(message);
		options.record({time: Date.now(), kind: 'error', host: options.logHost, data: {message, ...data}});
	};

	async function route(request: http.IncomingMessage, url: URL, session: Session | undefined, sessionId: string | undefined): Promise<Reply | 'static'> {
		const method = request.method ?? 'GET';
		const pathName = url.pathname;
		if (method === 'GET' && pathName === '/health') {
			return {
				status: 200,
				headers: {'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store'},
				body: JSON.stringify({status: 'ok', hostId: options.hostId, port: options.port, services: options.services.loaded, failedServices: options.services.failed}),
			};
		}
		if (method === 'GET' && pathName === '/login') {
			const grant = await options.sessions.consumeLoginToken(url.searchParams.get('token') ?? '');
			if (!grant) return html(400, badLoginLinkPage(options.instance, options.title));
			const newSessionId = await options.sessions.create(grant);
			if (sessionId !== undefined) await options.sessions.delete(sessionId);
			logger.info(`user ${grant.userId} (${grant.userName}) signed in`);
			void options.data
				?.put('UserSignIn', `${grant.userId}`, {userId: grant.userId, userName: grant.userName, hostId: options.hostId, at: Date.now()})
				.catch((error: unknown) => logError(`could not record the sign-in in zerodata: ${(error as Error).message}`));
			return redirect('/', {'set-cookie': sessionCookie(newSessionId)});
		}
		// POST only: the session cookie is SameSite=Lax, so another site cannot sign a visitor out with a link or an image.
		if (pathName === '/logout') {
			if (method !== 'POST') return html(405, '<!doctype html><title>Sign out</title><form method="post" action="/logout"><button>Sign out</button></form>');
			if (sessionId !== undefined) await options.sessions.delete(sessionId);
			return redirect('/signed-out', {'set-cookie': clearedSessionCookie});
		}
		if (method === 'GET' && pathName === '/signed-out') return html(200, signedOutPage(options.instance, options.title));
		if (method === 'GET' && pathName === '/') {
			if (!session) return redirect('/signed-out');
			const template = await readTemplate(options.templatesDirectory, options.homeTemplate);
			const signedInAs = `Signed in as ${session.userName} (user ${session.userId}) on host ${options.hostId}`;
			return html(200, renderHome(template, {...pageValues, user: session.userName, userName: session.userName, userId: session.userId, signedInAs}));
		}
		const service = options.services.routes.find(candidate => candidate.method === method && candidate.path === pathName);
		if (service) return runService(service, request, url, session);
		if (method === 'GET' || method === 'HEAD') return 'static';
		return html(405, simplePage('Method not allowed', [`${method} is not accepted at this address.`], options.title));
	}

	async function runService(service: ServiceRoute, request: http.IncomingMessage, url: URL, session: Session | undefined): Promise<Reply> {
		const body = request.method === 'POST' ? (await readBody(request, maxServiceBodyBytes)).toString('utf8') : '';
		const serviceRequest: ServiceRequest = {
			method: request.method ?? 'GET',
			path: url.pathname,
			query: Object.fromEntries(url.searchParams),
			headers: request.headers,
			body,
		};
		const context: ServiceContext = {
			user: session?.userName,
			userId: session?.userId,
			hostId: options.hostId,
			title: options.title,
			instance: options.instance,
			data: options.data,
			log: (message, level = 'info') => (level === 'error' ? logError(`${service.module}: ${message}`) : logger.info(`${service.module}: ${message}`)),
		};
		let answer: ServiceResponse;
		try {
			answer = await service.handler(serviceRequest, context);
		} catch (error) {
			logError(`${service.module}: ${service.method} ${service.path} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, {path: url.pathname});
			return html(500, simplePage('Something went wrong', ['The service failed; the ampnode log has the details.'], options.title));
		}
		if (typeof answer !== 'object' || answer === null || !Number.isInteger(answer.status)) {
			logError(`${service.module}: ${service.method} ${service.path} returned no {status, body}`);
			return html(500, simplePage('Something went wrong', ['The service gave no answer; the ampnode log has the details.'], options.title));
		}
		const isRaw = typeof answer.body === 'string' || Buffer.isBuffer(answer.body);
		const headers: Record<string, string> = {...(isRaw || answer.body === undefined ? {} : {'content-type': 'application/json; charset=utf-8'}), ...answer.headers};
		return {status: answer.status, headers, body: answer.body === undefined ? '' : isRaw ? (answer.body as string | Buffer) : JSON.stringify(answer.body)};
	}

	async function answer(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
		const started = process.hrtime.bigint();
		const url = new URL(request.url ?? '/', 'http://ampnode');
		let userId: number | undefined;
		response.on('finish', () => {
			const milliseconds = Number(process.hrtime.bigint() - started) / 1e6;
			logger.debug(`${request.method} ${url.pathname} ${response.statusCode} ${milliseconds.toFixed(1)} ms`);
			if (url.pathname === '/health') return;
			options.record({
				time: Date.now(),
				kind: 'access',
				host: options.logHost,
				data: {
					method: request.method,
					path: url.pathname,
					status: response.statusCode,
					ms: Math.round(milliseconds * 10) / 10,
					ip: clientAddress(request),
					...(userId === undefined ? {} : {userId}),
				},
			});
		});
		if (closing) response.shouldKeepAlive = false;
		try {
			const sessionId = readCookie(request.headers.cookie, sessionCookieName);
			const session = await options.sessions.get(sessionId);
			userId = session?.userId;
			const reply = await route(request, url, session, sessionId);
			if (reply === 'static') {
				if (await sendStaticFile(wwwDirectory, url.pathname, response)) return;
				send(response, html(404, simplePage('Not found', [`Nothing is here at ${url.pathname}.`], options.title)));
				return;
			}
			send(response, reply);
		} catch (error) {
			if (error instanceof HttpError && !response.headersSent) {
				send(response, html(error.status, simplePage('Request refused', [error.message], options.title)));
				return;
			}
			logError(`${request.method} ${url.pathname}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, {path: url.pathname});
			if (!response.headersSent) send(response, html(500, simplePage('Something went wrong', ['The ampnode log has the details.'], options.title)));
			else response.destroy();
		}
	}

	const server = http.createServer({keepAliveTimeout: 30_000}, (request, response) => void answer(request, response));
	return listenWithDrain(server, options, () => {
		closing = true;
	});
}

function send(response: http.ServerResponse, reply: Reply): void {
	const body = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body;
	response.writeHead(reply.status, {...reply.headers, 'content-length': body.length});
	response.end(body);
}

/**
 * The client's address: X-Real-IP, which nginx sets from the connection ($remote_addr), replacing
 * whatever the client sent; else the peer of this connection. Never X-Forwarded-For, whose entries
 * the client writes.
 */
function clientAddress(request: http.IncomingMessage): string {
	const header = request.headers['x-real-ip'];
	const real = (Array.isArray(header) ? header[0] : header)?.trim();
	return real || request.socket.remoteAddress || '';
}

