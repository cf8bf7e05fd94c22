import {AmpError} from '../errors.js';
import type {HubPublicKeyRecord, IdentityKind} from '../keys/identity.js';

/** What the hub keeps about one identity. Only the public halves: the hub never sees a secret key. */
export interface HubRecord {
	kind: IdentityKind;
	id: number;
	publicKey: string;
	controlPublicKey: string;
	/** Starts at 1; each accepted update adds one. An update names the version it replaces, so an old one cannot be replayed. */
	version: number;
	hubSignature: string;
	/** For hosts: the last announce the hub accepted. */
	announced?: HostAnnouncement;
}

/** Where a host can be reached, signed by its key (see `announceStatement`). */
export interface HostAnnouncement {
	hostId: number;
	/** The external address when NAT bypass mapped the port, else the configured host name. */
	host: string;
	port: number;
	/** ISO time of the announce. */
	at: string;
	/** Above every earlier announce of this host. */
	sequence: number;
	signature: string;
}

/**
 * The hub: assigns ids and signs public keys. The same interface in-process (state in a
 * directory) and over HTTP (`ampzero hub serve`).
 */
export interface Hub {
	/** `embedded` or the URL: what `hub.public.key` and `amprun.yaml` record. */
	readonly location: string;
	publicKey(signal?: AbortSignal): Promise<HubPublicKeyRecord>;
	/** `signal` gives up waiting (for the hub's lock, or its answer). */
	register(kind: IdentityKind, publicKey: string, controlPublicKey: string, signal?: AbortSignal): Promise<{id: number; hubSignature: string}>;
	/** `signature`: by the identity's control key over `updateStatement(kind, id, version, newPublicKey)`, where version is the record's current one. */
	update(kind: IdentityKind, id: number, newPublicKey: string, signature: string): Promise<{hubSignature: string; version: number}>;
	/** Keeps the host's latest signed address; refuses unsigned, wrongly signed, stale and replayed ones. */
	announce(announcement: HostAnnouncement, signal?: AbortSignal): Promise<void>;
	lookup(kind: IdentityKind, id: number): Promise<HubRecord>;
}

/** The hub refused a request: a bad signature (403), an unknown identity (404), a malformed request (400), too many requests (429), too busy now (503). */
export class HubRefusal extends AmpError {
	constructor(
		message: string,
		readonly status: 400 | 403 | 404 | 409 | 429 | 503,
		/** With 429 and 503: seconds until a retry can succeed. */
		readonly retryAfterSeconds?: number,
	) {
		super(message);
	}
}
