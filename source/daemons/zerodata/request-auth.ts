import type {KeyObject} from 'node:crypto';
import type {IncomingHttpHeaders} from 'node:http';
import {verifyPublicKey, type HubPublicKeyRecord, type PublicKeyRecord} from '../../../services/keys/identity.js';
import {signatureHeaders, signedStatement, verifyStatement, verifyingKeyObject} from '../../../services/zerodata/signing.js';
import {HttpError} from '../shared/http-error.js';
import type {Logger} from '../shared/logger.js';

export interface RequestAuthOptions {
	hub: HubPublicKeyRecord;
	/** Host public key records; only those the hub signed are trusted. */
	hosts: PublicKeyRecord[];
	logger: Logger;
	/**
	 * Reads the host keys again (the instance's host-*.public.key files): a key rotated by `hub update`
	 * is picked up at its first request, without restarting zerodata. At most once a second.
	 */
	reloadHosts?: () => PublicKeyRecord[];
	/** How far a request's timestamp may be from the server's clock. */
	windowMs?: number;
	now?: () => number;
}

const refuse = (message: string): HttpError => new HttpError(401, message);

/**
 * Checks the signature headers of a request: a trusted host, a fresh timestamp, a nonce not seen
 * within the window, and an Ed25519 signature over the request. Nonces are remembered until
 * their timestamp leaves the window, after which the timestamp check alone refuses a replay.
 */
export class RequestAuth {
	private readonly keys = new Map<string, KeyObject>();
	private readonly seenNonces = new Map<string, number>();
	private readonly windowMs: number;
	private readonly now: () => number;
	private lastReload = 0;

	constructor(private readonly options: RequestAuthOptions) {
		this.windowMs = options.windowMs ?? 30_000;
		this.now = options.now ?? Date.now;
		this.trust(options.hosts);
	}

	private trust(hosts: PublicKeyRecord[]): void {
		this.keys.clear();
		for (const record of hosts) {
			if (record.kind !== 'host') {
				this.options.logger.warn(`ignored the ${record.kind} key ${record.id}: only host keys may sign zerodata requests`);
			} else if (!verifyPublicKey(record, this.options.hub)) {
				this.options.logger.warn(`ignored host key ${record.id}: the hub's signature on it does not verify against hub.public.key`);
			} else {
				this.keys.set(String(record.id), verifyingKeyObject(record.publicKey));
			}
		}
	}

	/** Whether the host keys were read again now (not within the last second). */
	private reloaded(): boolean {
		const reload = this.options.reloadHosts;
		const now = this.now();
		if (!reload || now - this.lastReload < 1000) return false;
		this.lastReload = now;
		try {
			this.trust(reload());
			this.options.logger.info(`read the host keys again: ${this.keys.size} trusted`);
			return true;
		} catch (error) {
			this.options.logger.warn(`could not read the host keys again: ${(error as Error).message}`);
			return false;
		}
	}

	get trustedHostCount(): number {
		return this.keys.size;
	}

	/** The signing host's id; throws a 401 HttpError saying what is wrong otherwise. */
	verify(method: string, pathWithQuery: string, headers: IncomingHttpHeaders, body: Uint8Array): number {
		const host = headers[signatureHeaders.host];
		const timestamp = headers[signatureHeaders.timestamp];
		const nonce = headers[signatureHeaders.nonce];
		const signature = headers[signatureHeaders.signature];
		if (typeof host !== 'string' || typeof timestamp !== 'string' || typeof nonce !== 'string' || typeof signature !== 'string') {
			throw refuse(
				`unsigned request: zerodata needs the ${Object.values(signatureHeaders).join(', ')} headers; use ZerodataClient with the host key`,
			);
		}
		let key = this.keys.get(host);
		if (key === undefined && this.reloaded()) key = this.keys.get(host);
		if (key === undefined) {
			throw refuse(`unknown host ${host}: its public key is not among the hub-signed host keys this zerodata trusts`);
		}
		const now = this.now();
		const time = Number(timestamp);
		if (!Number.isFinite(time) || Math.abs(now - time) > this.windowMs) {
			throw refuse(
				`stale request: timestamp ${timestamp} is more than ${this.windowMs / 1000} s from the server clock (${now}); check the host clocks`,
			);
		}
		if (nonce.length < 8 || nonce.length > 64) throw refuse('bad nonce: x-amp-nonce must have 8 to 64 characters');
		const nonceKey = `${host}:${nonce}`;
		if (this.seenNonces.has(nonceKey)) throw refuse('replayed request: this nonce was already used; sign every request afresh');
		const statement = signedStatement(method, pathWithQuery, timestamp, nonce, body);
		// A signature by a key rotated since zerodata started verifies once the keys are read again.
		const verified = verifyStatement(statement, signature, key) || (this.reloaded() && this.keys.has(host) && verifyStatement(statement, signature, this.keys.get(host)!));
		if (!verified) {
			throw refuse(`bad signature: the request is not signed by host ${host}'s key (or was changed on the way)`);
		}
		this.forgetOldNonces(now);
		this.seenNonces.set(nonceKey, time + this.windowMs);
		return Number(host);
	}

	/** Entries go in roughly in expiry order, so expired ones gather at the front of the map. */
	private forgetOldNonces(now: number): void {
		for (const [nonceKey, expiry] of this.seenNonces) {
			if (expiry >= now) break;
			this.seenNonces.delete(nonceKey);
		}
	}
}
