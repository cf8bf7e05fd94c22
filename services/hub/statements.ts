import type {IdentityKind} from '../keys/identity.js';
import type {HostAnnouncement} from './types.js';

/*
 * The exact text each signature covers. A prefix per purpose, so a signature made for one
 * request can never be replayed as another.
 */

/** Signed by the identity's control key to replace its public key; `version` is the record's current version. */
export function updateStatement(kind: IdentityKind, id: number, version: number, newPublicKey: string): string {
	return `ampzero-update:v1:${kind}:${id}:${version}:${newPublicKey}`;
}

/**
 * Signed by the host's key to publish where it can be reached. `sequence` grows with every
 * announce (the hub refuses one not above the last it kept: a replay); `at` is an ISO time the
 * hub refuses when too far from its clock (stale, or from the future).
 */
export function announceStatement(announcement: Omit<HostAnnouncement, 'signature'>): string {
	const {hostId, sequence, at, host, port} = announcement;
	return `ampzero-announce:v2:host:${hostId}:${sequence}:${at}:${host}:${port}`;
}
