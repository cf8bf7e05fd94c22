import crypto, {type KeyObject} from 'node:crypto';
import {decode} from '../keys/identity.js';

/*
 * A zerodata request is signed by a host key: Ed25519 over
 * `METHOD\npath-with-query\ntimestamp\nnonce\nsha256-hex(body)`. The keys are tweetnacl's
 * (identity.ts); signing and verifying go through node:crypto, which computes the same
 * signatures a hundred times faster than tweetnacl's JavaScript.
 */

export const signatureHeaders = {
	host: 'x-amp-host',
	timestamp: 'x-amp-timestamp',
	nonce: 'x-amp-nonce',
	signature: 'x-amp-signature',
} as const;

export function signedStatement(method: string, pathWithQuery: string, timestamp: string, nonce: string, body: Uint8Array): string {
	const bodyHash = crypto.createHash('sha256').update(body).digest('hex');
	return `${method}\n${pathWithQuery}\n${timestamp}\n${nonce}\n${bodyHash}`;
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

/** The four headers that sign one request. */
export function signRequest(
	hostId: number,
	key: KeyObject,
	method: string,
	pathWithQuery: string,
	body: Uint8Array,
	now: number = Date.now(),
): Record<string, string> {
	const timestamp = String(now);
	const nonce = crypto.randomBytes(16).toString('base64url');
	const statement = signedStatement(method, pathWithQuery, timestamp, nonce, body);
	return {
		[signatureHeaders.host]: String(hostId),
		[signatureHeaders.timestamp]: timestamp,
		[signatureHeaders.nonce]: nonce,
		[signatureHeaders.signature]: crypto.sign(null, Buffer.from(statement), key).toString('base64'),
	};
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
