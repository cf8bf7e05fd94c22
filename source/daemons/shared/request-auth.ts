import type {IncomingHttpHeaders} from 'node:http';
import {bodyHash, signatureHeaders, signedStatement, verifyStatement, type SignedDaemon} from '../../../services/keys/request-signing.js';
import {HttpError} from '../../../services/http/http-error.js';
import type {HostKeySource} from './host-keys.js';
import type {MembershipSource} from './membership.js';
import type {NonceLog} from './nonce-log.js';

export interface RequestAuthOptions {
	daemon: SignedDaemon;
	/** The instance this daemon serves: a request signed for another is refused. */
	instance: string;
	/** Who belongs to the instance: asked before any key is looked up. */
	members: MembershipSource;
	hostKeys: HostKeySource;
	nonces: NonceLog;
	/** How far a request's timestamp may be from the server's clock (default 30 s). */
	windowMs?: number;
	now?: () => number;
}

/** A request whose headers passed: its body is still to be read and checked against them. */
export interface SignedHeaders {
	hostId: number;
	bodyHash: string;
	nonce: string;
	timestamp: number;
}

const refuse = (message: string): HttpError => new HttpError(401, message);
const headerNames = Object.values(signatureHeaders).join(', ');

/**
 * The signed-request check zerodata and logstore share, in two steps so that no body is read
 * for a request that fails on its headers. `checkHeaders`: the headers are all there and well
 * formed, the request names this instance, its timestamp is fresh, the host is a member of the
 * instance (403 otherwise), its key is the one the hub holds now, and the Ed25519 signature
 * covers daemon, instance, host, method, path, time, nonce and the body's hash. `checkBody`: the
 * body read has that hash, and the nonce was never accepted before (the nonce log outlives
 * restarts; after the window the timestamp check alone refuses a replay).
 */
export class RequestAuth {
	readonly windowMs: number;
	private readonly now: () => number;

	constructor(private readonly options: RequestAuthOptions) {
		this.windowMs = options.windowMs ?? 30_000;
		this.now = options.now ?? Date.now;
	}

	/** The signing host's checked headers; throws an HttpError (401, 403 or 503) saying what is wrong otherwise. */
	async checkHeaders(method: string, pathWithQuery: string, headers: IncomingHttpHeaders): Promise<SignedHeaders> {
		const {daemon, instance} = this.options;
		const host = headers[signatureHeaders.host];
		const signedFor = headers[signatureHeaders.instance];
		const timestamp = headers[signatureHeaders.timestamp];
		const nonce = headers[signatureHeaders.nonce];
		const hash = headers[signatureHeaders.contentHash];
		const signature = headers[signatureHeaders.signature];
		if (typeof host !== 'string' || typeof signedFor !== 'string' || typeof timestamp !== 'string' || typeof nonce !== 'string' || typeof hash !== 'string' || typeof signature !== 'string') {
			throw refuse(`unsigned request: ${daemon} needs the ${headerNames} headers; sign it with the key of a host that is a member of the instance`);
		}
		if (signedFor !== instance) {
			throw refuse(`wrong instance: the request is signed for instance "${signedFor}", and this ${daemon} serves "${instance}"`);
		}
		if (!/^[1-9]\d{0,15}$/.test(host)) throw refuse(`unknown host "${host}": x-amp-host must be a host id`);
		const now = this.now();
		const time = Number(timestamp);
		if (!/^\d{1,16}$/.test(timestamp) || Math.abs(now - time) > this.windowMs) {
			throw refuse(`stale request: timestamp ${timestamp.slice(0, 32)} is more than ${this.windowMs / 1000} s from the server clock (${now}); check the host clocks`);
		}
		if (nonce.length < 8 || nonce.length > 64 || /\s/.test(nonce)) throw refuse('bad nonce: x-amp-nonce must have 8 to 64 characters and no spaces');
		if (!/^[0-9a-f]{64}$/.test(hash)) throw refuse('bad content hash: x-amp-content-sha256 must be the sha256 of the body in lower-case hex');
		if (!/^[A-Za-z0-9+/]{86}==$/.test(signature)) throw refuse('bad signature: x-amp-signature must be a base64 Ed25519 signature (64 bytes)');
		const hostId = Number(host);
		const membership = this.options.members.check(hostId);
		if (!membership.member) throw new HttpError(403, `not a member: ${membership.refused}`);
		const found = await this.options.hostKeys.keyFor(hostId);
		if ('refused' in found) {
			if (found.unavailable) throw new HttpError(503, `host ${host}'s key cannot be checked now: ${found.refused}`);
			throw refuse(`unknown host ${host}: ${found.refused}`);
		}
		const statement = signedStatement({daemon, instance, hostId, method, pathWithQuery, timestamp, nonce, bodyHash: hash});
		if (!verifyStatement(statement, signature, found.key)) {
			throw refuse(`bad signature: the request is not signed by host ${host}'s current key (or was changed on the way); a rotated-away key is refused`);
		}
		return {hostId, bodyHash: hash, nonce, timestamp: time};
	}

	/** The host id, once the body is the one signed and the nonce is new; throws a 401 HttpError otherwise. */
	async checkBody(signed: SignedHeaders, body: Uint8Array): Promise<number> {
		if (bodyHash(body) !== signed.bodyHash) {
			throw refuse('bad signature: the body is not the one signed (its sha256 differs from x-amp-content-sha256)');
		}
		if (!(await this.options.nonces.remember(`${signed.hostId}:${signed.nonce}`, signed.timestamp + this.windowMs, this.now()))) {
			throw refuse('replayed request: this nonce was already used; sign every request afresh');
		}
		return signed.hostId;
	}
}
