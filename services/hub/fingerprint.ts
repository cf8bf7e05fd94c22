import {createHash} from 'node:crypto';
import {decode} from '../keys/identity.js';

/** `SHA256:<base64>` of the hub's raw Ed25519 public key: what `init` shows and `--hub-key` pins. */
export function hubKeyFingerprint(publicKey: string): string {
	return `SHA256:${createHash('sha256').update(decode(publicKey)).digest('base64').replace(/=+$/, '')}`;
}

/** Whether a fingerprint as typed (with or without `SHA256:`) names this key. */
export function matchesFingerprint(publicKey: string, pinned: string): boolean {
	const expected = hubKeyFingerprint(publicKey);
	const typed = pinned.trim();
	return typed === expected || `SHA256:${typed}` === expected;
}
