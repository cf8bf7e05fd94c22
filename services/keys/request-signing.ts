import crypto, {type KeyObject} from 'node:crypto';
import {decode} from './identity.js';

/*
 * A request to zerodata or logstore is signed by a host key: Ed25519 over
 * `ampzero-request:v3\ndaemon\ninstance\nhost-ID\nMETHOD\npath-with-query\ntimestamp\nnonce\nsha256-hex(body)`.
 * The daemon, the instance and the host id are part of what is signed, so a request made for one
 * daemon, one instance or by one host cannot pass for another. The body's hash travels in a
 * header too, so the daemon checks the signature before it reads a byte of the body. The keys are
 * tweetnacl's (identity.ts); signing and verifying go through node:crypto, which computes the
 * same signatures a hundred times faster than tweetnacl's JavaScript.
 */

export const signatureHeaders = {
	host: 'x-amp-host',
	instance: 'x-amp-instance',
	timestamp: 'x-amp-timestamp',
	nonce: 'x-amp-nonce',
	contentHash: 'x-amp-content-sha256',
	signature: 'x-amp-signature',
} as const;

/** The daemons that take signed requests. */
export type SignedDaemon = 'zerodata' | 'logstore';

export interface SignedParts {
	daemon: SignedDaemon;
	instance: string;
	hostId: number;
	method: string;
	pathWithQuery: string;
	timestamp: string;
	nonce: string;
	/** sha256 of the body, lower-case hex. */
	bodyHash: string;
}

export function bodyHash(body: Uint8Array): string {
	return crypto.createHash('sha256').update(body).digest('hex');
}

export function signedStatement(parts: SignedParts): string {
	return `ampzero-request:v3\n${parts.daemon}\n${parts.instance}\nhost-${parts.hostId}\n${parts.method}\n${parts.pathWithQuery}\n${parts.timestamp}\n${parts.nonce}\n${parts.bodyHash}`;
}

/** A node:crypto key for tweetnacl's 64-byte secret key (seed then public key). */
export function signingKeyObject(secretKey: string): KeyObject {
	const bytes = decode(secretKey);
	if (bytes.length !== 64) throw new Error('a host secret key must be 64 bytes (tweetnacl sign secret key)');
	return crypto.createPrivateKey({
		format: 'jwk',
		key: {kty: 'OKP', crv: 'Ed25519', d: Buffer.from(bytes.subarray(0, 32)).toString('base64url'), x: Buffer.from(bytes.subarray(32)).toString('base64url')},
	});
}

/** A node:crypto key for a 32-byte base64 public key. */
export function verifyingKeyObject(publicKey: string): KeyObject {
	const bytes = decode(publicKey);
	if (bytes.length !== 32) throw new Error('a public key must be 32 bytes');
	return crypto.createPublicKey({format: 'jwk', key: {kty: 'OKP', crv: 'Ed25519', x: Buffer.from(bytes).toString('base64url')}});
}

/** Who signs, and for which daemon of which instance. */
export interface RequestTarget {
	daemon: SignedDaemon;
	instance: string;
	hostId: number;
}

/** The headers that sign one request of `target.hostId` to `target.daemon` of `target.instance`. */
export function signRequest(target: RequestTarget, key: KeyObject, method: string, pathWithQuery: string, body: Uint8Array, now: number = Date.now()): Record<string, string> {
	const timestamp = String(now);
	const nonce = crypto.randomBytes(16).toString('base64url');
	const hash = bodyHash(body);
	const statement = signedStatement({...target, method, pathWithQuery, timestamp, nonce, bodyHash: hash});
	return {
		[signatureHeaders.host]: String(target.hostId),
		[signatureHeaders.instance]: target.instance,
		[signatureHeaders.timestamp]: timestamp,
		[signatureHeaders.nonce]: nonce,
		[signatureHeaders.contentHash]: hash,
		[signatureHeaders.signature]: crypto.sign(null, Buffer.from(statement), key).toString('base64'),
	};
}

/** What a client needs to sign: the host's id and secret key, and the instance it talks to. */
export interface RequestSignerOptions {
	hostId: number;
	/** The host's tweetnacl secret key (base64), from `host-<id>.private.key`. */
	secretKey: string;
	/** The instance's name (amprun.yaml `instance_name`). */
	instance: string;
	/** Reads the host's secret key again (its private key file), for a key rotated while running. */
	refreshSecretKey?: () => Promise<string>;
}

export class RequestSigner {
	private key: KeyObject;
	private secretKey: string;

	constructor(
		private readonly options: RequestSignerOptions,
		private readonly daemon: SignedDaemon,
	) {
		this.secretKey = options.secretKey;
		this.key = signingKeyObject(options.secretKey);
	}

	/** Reads the secret key again; whether it changed (and is now the one used). */
	async refresh(): Promise<boolean> {
		if (!this.options.refreshSecretKey) return false;
		const secretKey = await this.options.refreshSecretKey().catch(() => this.secretKey);
		if (secretKey === this.secretKey) return false;
		this.secretKey = secretKey;
		this.key = signingKeyObject(secretKey);
		return true;
	}

	headers(method: string, pathWithQuery: string, body: Uint8Array): Record<string, string> {
		const {hostId, instance} = this.options;
		return signRequest({daemon: this.daemon, instance, hostId}, this.key, method, pathWithQuery, body);
	}
}

export function verifyStatement(statement: string, signature: string, key: KeyObject): boolean {
	const bytes = Buffer.from(signature, 'base64');
	if (bytes.length !== 64) return false;
	try {
		return crypto.verify(null, Buffer.from(statement), key, bytes);
	} catch {
		return false;
	}
}
