import type {IncomingHttpHeaders} from 'node:http';
import {signatureHeaders, signedStatement, verifyStatement} from '../../../services/keys/request-signing.js';
import {HttpError} from '../../../services/http/http-error.js';
import type {HostKeySource} from './host-keys.js';
import type {NonceLog} from './nonce-log.js';

export interface RequestAuthOptions {
	/** `zerodata` or `logstore`, for messages. */
	daemon: string;
	/** The instance this daemon serves: a request signed for another is refused. */
	instance: string;
	hostKeys: HostKeySource;
	nonces: NonceLog;
	/** How far a request's timestamp may be from the server's clock (default 30 s). */
	windowMs?: number;
	now?: () => number;
}

const refuse = (message: string): HttpError => new HttpError(401, message);

/**
 * The signed-request check zerodata and logstore share: the headers are all there, the request
 * names this instance, its timestamp is fresh, the host is one the hub vouches for, the Ed25519
 * signature covers the request, and its nonce was never accepted before (the nonce log outlives
 * restarts; after the window the timestamp check alone refuses a replay).
 */
export class RequestAuth {
	readonly windowMs: number;
	private readonly now: () => number;

	constructor(private readonly options: RequestAuthOptions) {
		this.windowMs = options.windowMs ?? 30_000;
		this.now = options.now ?? Date.now;
	}

	/** The signing host's id; throws a 401 HttpError saying what is wrong otherwise. */
	async verify(method: string, pathWithQuery: string, headers: IncomingHttpHeaders, body: Uint8Array): Promise<number> {
		const {daemon, instance} = this.options;
		const host = headers[signatureHeaders.host];
		const signedFor = headers[signatureHeaders.instance];
		const timestamp = headers[signatureHeaders.timestamp];
		const nonce = headers[signatureHeaders.nonce];
		const signature = headers[signatureHeaders.signature];
		if (typeof host !== 'string' || typeof signedFor !== 'string' || typeof timestamp !== 'string' || typeof nonce !== 'string' || typeof signature !== 'string') {
			throw refuse(`unsigned request: ${daemon} needs the ${Object.values(signatureHeaders).join(', ')} headers; sign it with a host key the instance's hub signed`);
		}
		if (signedFor !== instance) {
			throw refuse(`wrong instance: the request is signed for instance "${signedFor}", and this ${daemon} serves "${instance}"`);
		}
		if (!/^[1-9]\d{0,15}$/.test(host)) throw refuse(`unknown host "${host}": x-amp-host must be a host id`);
		const now = this.now();
		const time = Number(timestamp);
		if (!/^\d+$/.test(timestamp) || Math.abs(now - time) > this.windowMs) {
			throw refuse(`stale request: timestamp ${timestamp} is more than ${this.windowMs / 1000} s from the server clock (${now}); check the host clocks`);
		}
		if (nonce.length < 8 || nonce.length > 64 || /\s/.test(nonce)) throw refuse('bad nonce: x-amp-nonce must have 8 to 64 characters and no spaces');
		const found = await this.options.hostKeys.keyFor(Number(host));
		if ('refused' in found) throw refuse(`unknown host ${host}: ${found.refused}`);
		if (!verifyStatement(signedStatement({instance, method, pathWithQuery, timestamp, nonce, body}), signature, found.key)) {
			throw refuse(`bad signature: the request is not signed by host ${host}'s current key (or was changed on the way); a rotated-away key is refused`);
		}
		if (!(await this.options.nonces.remember(`${host}:${nonce}`, time + this.windowMs, now))) {
			throw refuse('replayed request: this nonce was already used; sign every request afresh');
		}
		return Number(host);
	}
}
