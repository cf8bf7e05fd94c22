import type {IdentityKind} from '../keys/identity.js';

/*
 * The exact text each signature covers. A prefix per purpose, so a signature made for one
 * request can never be replayed as another.
 */

/** Signed by the identity's control key to replace its public key; `version` is the record's current version. */
export function updateStatement(kind: IdentityKind, id: number, version: number, newPublicKey: string): string {
	return `ampzero-update:v1:${kind}:${id}:${version}:${newPublicKey}`;
}

/** Signed by the host's key to publish where it can be reached; `at` is an ISO time, newer than the last announce. */
export function announceStatement(hostId: number, address: string, at: string): string {
	return `ampzero-announce:v1:host:${hostId}:${address}:${at}`;
}
