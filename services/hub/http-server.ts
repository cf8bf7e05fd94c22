import http from 'node:http';
import https from 'node:https';
import {errorMessage} from '../errors.js';
import {limitConnections} from '../http/connection-limits.js';
import {FairGate, type FairGateLimits} from '../http/fair-gate.js';
import {HttpError} from '../http/http-error.js';
import {expectObject, readJsonBody} from '../http/request-body.js';
import type {IdentityKind} from '../keys/identity.js';
import {RegistrationLimiter, type RegistrationLimits} from './rate-limit.js';
import {HubRefusal, type Hub} from './types.js';

const maxBodyBytes = 64 * 1024;

/*
 * The hub over HTTP, JSON in and out:
 *   GET  /v1/hub-key                 → {hub, publicKey}
 *   POST /v1/register                {kind, publicKey, controlPublicKey} → {id, hubSignature}
 *   POST /v1/update                  {kind, id, newPublicKey, signature} → {hubSignature, version}
 *   POST /v1/announce                {hostId, host, port, at, sequence, signature} → {}
 *   GET  /v1/records/<kind>/<id>     → the record
 * A refusal answers 400/403/404/409 with {error} (413 a body over 64 KiB); too many registrations, 429 with Retry-After;
 * a hub too busy to queue the request, 503 with Retry-After.
 *
 * At most `gate.inFlight` requests are handled at once, at most `gate.inFlightPerSource` of one
 * address; the rest wait in a queue per source address, served in turn, so a flood from a few
 * addresses leaves slots free for others and delays them by a turn each at most. A registration
 * within its source's budget waits in a lane served before those queues. Records
 * are public on purpose: a key record holds only public halves, and an announce publishes the
 * address a host serves its frontend on, which is what announcing is for.
 */
export interface HubServerOptions {
	/** Serve HTTPS with this certificate and key (PEM). */
	tls?: {cert: string | Buffer; key: string | Buffer};
	/** Limits on POST /v1/register; a refusal is 429 with Retry-After. */
	limits?: RegistrationLimits;
	/** Concurrency and queue bounds (default 16 in flight, 4 of them per source, 64 queued per source, 1024 in all). */
	gate?: FairGateLimits;
	/**
	 * Open connections one address may hold (default 32); more are closed as they open, before a
	 * byte is read, so a flood from a few addresses costs an accept each past it, not a parse.
	 */
	connectionsPerSource?: number;
}

const defaultGate: FairGateLimits = {inFlight: 16, inFlightPerSource: 4, queuedPerSource: 64, queued: 1024};

export function createHubServer(hub: Hub, options: HubServerOptions = {}): http.Server | https.Server {
	const limiter = options.limits ? new RegistrationLimiter(options.limits) : undefined;
	const gate = new FairGate(options.gate ?? defaultGate);
	const listener = (request: http.IncomingMessage, response: http.ServerResponse): void => {
		const source = request.socket.remoteAddress ?? 'unknown';
		const answer = (work: () => Promise<unknown>) => (): Promise<void> =>
			work()
				.then(result => reply(response, 200, result))
				.catch((error: unknown) => {
					if (error instanceof HubRefusal) reply(response, error.status, {error: error.message}, error.retryAfterSeconds);
					else if (error instanceof HttpError) reply(response, error.status, {error: error.message});
					else reply(response, 500, {error: `the hub failed: ${errorMessage(error)}`});
				});
		// A registration is counted against its source's budget before it waits for anything: one past the budget is
		// answered 429 at once, and one within it goes in the lane served before the queues, so that a flood of other
		// requests (which no budget bounds but the queues) never stands between an honest `init` and its id.
		const route = `${request.method ?? 'GET'} ${new URL(request.url ?? '/', 'http://hub').pathname}`;
		const registering = route === 'POST /v1/register';
		const decision = registering ? limiter?.take(source) : undefined;
		if (decision !== undefined && !decision.ok) {
			void answer(() => Promise.reject(new HubRefusal(`${decision.reason}; retry in ${decision.retryAfterSeconds} s`, 429, decision.retryAfterSeconds)))();
			return;
		}
		const admitted = gate.enter(source, answer(() => handle(hub, route, request)), {first: registering});
		if (!admitted) {
			response.shouldKeepAlive = false;
			reply(response, 503, {error: `the hub is busy (${gate.queued} requests waiting); retry in a second`}, 1);
		}
	};
	const timeouts = {headersTimeout: 10_000, requestTimeout: 30_000};
	const server = options.tls ? https.createServer({...timeouts, cert: options.tls.cert, key: options.tls.key}, listener) : http.createServer(timeouts, listener);
	limitConnections(server, options.connectionsPerSource ?? 32, 4096, {warn: () => undefined});
	return server;
}

async function handle(hub: Hub, route: string, request: http.IncomingMessage): Promise<unknown> {
	if (route === 'GET /v1/hub-key') return hub.publicKey();
	const record = /^GET \/v1\/records\/(user|host)\/(\d+)$/.exec(route);
	if (record) return hub.lookup(record[1] as IdentityKind, Number(record[2]));
	if (route === 'POST /v1/register') {
		const body = await readBody(request);
		return hub.register(body['kind'] as IdentityKind, body['publicKey'] as string, body['controlPublicKey'] as string);
	}
	if (route === 'POST /v1/update') {
		const body = await readBody(request);
		return hub.update(body['kind'] as IdentityKind, Number(body['id']), body['newPublicKey'] as string, stringField(body, 'signature'));
	}
	if (route === 'POST /v1/announce') {
		const body = await readBody(request);
		await hub.announce({
			hostId: Number(body['hostId']),
			host: stringField(body, 'host'),
			port: Number(body['port']),
			at: stringField(body, 'at'),
			sequence: Number(body['sequence']),
			signature: typeof body['signature'] === 'string' ? body['signature'] : '',
		});
		return {};
	}
	throw new HubRefusal(`no such hub request: ${route}`, 404);
}

function stringField(body: Record<string, unknown>, name: string): string {
	const value = body[name];
	if (typeof value !== 'string') throw new HubRefusal(`"${name}" must be a string`, 400);
	return value;
}

async function readBody(request: http.IncomingMessage): Promise<Record<string, unknown>> {
	return expectObject(await readJsonBody(request, maxBodyBytes), 'the request body');
}

function reply(response: http.ServerResponse, status: number, body: unknown, retryAfterSeconds?: number): void {
	const text = JSON.stringify(body);
	response.writeHead(status, {
		'content-type': 'application/json',
		'content-length': Buffer.byteLength(text),
		...(retryAfterSeconds === undefined ? {} : {'retry-after': String(retryAfterSeconds)}),
	});
	response.end(text);
}
