import nacl from 'tweetnacl';

export type IdentityKind = 'user' | 'host';

/** `<kind>-<id>.public.key`: the public signing key, the id the hub gave, and the hub's signature over both. */
export interface PublicKeyRecord {
	kind: IdentityKind;
	id: number;
	publicKey: string;
	hubSignature: string;
}

/** `<kind>-<id>.private.key`: the Ed25519 signing secret (tweetnacl's 64-byte secret key). */
export interface PrivateKeyRecord {
	kind: IdentityKind;
	id: number;
	secretKey: string;
}

/** `<kind>-<id>.control.key`: a second keypair; the hub holds its public half and accepts record updates only when signed by it. */
export interface ControlKeyRecord {
	kind: IdentityKind;
	id: number;
	publicKey: string;
	secretKey: string;
}

/** `hub.public.key`: the hub's signing key, and where it lives. */
export interface HubPublicKeyRecord {
	hub: string;
	publicKey: string;
}

export const encode = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
export const decode = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

/** The bytes the hub signs for a public key record: kind, id and key, unambiguously joined. */
export function publicKeyStatement(record: Pick<PublicKeyRecord, 'kind' | 'id' | 'publicKey'>): Uint8Array {
	return new TextEncoder().encode(`ampzero-public-key:v1:${record.kind}:${record.id}:${record.publicKey}`);
}

export function verifyPublicKey(record: PublicKeyRecord, hub: HubPublicKeyRecord): boolean {
	try {
		return nacl.sign.detached.verify(publicKeyStatement(record), decode(record.hubSignature), decode(hub.publicKey));
	} catch {
		return false;
	}
}

export function signDetached(message: Uint8Array | string, secretKey: string): string {
	const bytes = typeof message === 'string' ? new TextEncoder().encode(message) : message;
	return encode(nacl.sign.detached(bytes, decode(secretKey)));
}

export function verifyDetached(message: Uint8Array | string, signature: string, publicKey: string): boolean {
	const bytes = typeof message === 'string' ? new TextEncoder().encode(message) : message;
	try {
		return nacl.sign.detached.verify(bytes, decode(signature), decode(publicKey));
	} catch {
		return false;
	}
}

export function newKeyPair(): {publicKey: string; secretKey: string} {
	const pair = nacl.sign.keyPair();
	return {publicKey: encode(pair.publicKey), secretKey: encode(pair.secretKey)};
}

export function keyFileName(kind: IdentityKind, id: number, part: 'public' | 'private' | 'control'): string {
	return `${kind}-${id}.${part}.key`;
}
