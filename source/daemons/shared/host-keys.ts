import type {KeyObject} from 'node:crypto';
import {readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {errorMessage} from '../../../services/errors.js';
import {HubRefusal, type Hub} from '../../../services/hub/types.js';
import {keyFileName, verifyPublicKey, type HubPublicKeyRecord, type PublicKeyRecord} from '../../../services/keys/identity.js';
import {verifyingKeyObject} from '../../../services/keys/request-signing.js';
import type {Logger} from './logger.js';

/** A host's verifying key, or why there is none. */
/** `unavailable`: refused only because the hub cannot be reached now (503, worth retrying). */
export type HostKeyAnswer = {key: KeyObject} | {refused: string; unavailable?: boolean};

/** Where a daemon finds the public key of the host that signed a request. */
export interface HostKeySource {
	keyFor(hostId: number): Promise<HostKeyAnswer>;
	/** How many host keys it holds right now (for /health and the start-up line). */
	readonly knownHosts: number;
}

/** The key of a record, if it is a host key the hub signed. */
function trustedKey(record: PublicKeyRecord, hub: HubPublicKeyRecord): HostKeyAnswer {
	if (record.kind !== 'host') return {refused: `key ${record.id} is a ${record.kind} key; only host keys may sign requests`};
	if (!verifyPublicKey(record, hub)) return {refused: `the hub's signature on host ${record.id}'s key record does not verify against hub.public.key`};
	try {
		return {key: verifyingKeyObject(record.publicKey)};
	} catch (error) {
		return {refused: `host ${record.id}'s key record holds no usable key (${errorMessage(error)})`};
	}
}

/** A fixed set of hub-signed host key records (a daemon started in-process, the benchmark). */
export class StaticHostKeys implements HostKeySource {
	private readonly keys = new Map<number, HostKeyAnswer>();

	constructor(records: PublicKeyRecord[], hub: HubPublicKeyRecord, logger: Logger) {
		for (const record of records) {
			const answer = trustedKey(record, hub);
			if ('refused' in answer) logger.warn(`ignored host key ${record.id}: ${answer.refused}`);
			else this.keys.set(record.id, answer);
		}
	}

	get knownHosts(): number {
		return this.keys.size;
	}

	async keyFor(hostId: number): Promise<HostKeyAnswer> {
		return this.keys.get(hostId) ?? {refused: `its public key is not among the hub-signed host keys this daemon trusts`};
	}
}

export interface HubHostKeysOptions {
	/** Looks a host's record up by id. */
	hub: Pick<Hub, 'lookup' | 'location'>;
	/** The instance's `hub.public.key`: the one key trusted to sign host key records. */
	hubKey: HubPublicKeyRecord;
	/** How long a record looked up stays trusted before it is asked for again (default 5 s): a rotated-away key is refused after at most this long. */
	cacheMs?: number;
	/**
	 * While the hub cannot be reached, the last record it gave for a host is trusted for this long
	 * after it gave it (default 10 minutes); past that the host is refused until the hub answers.
	 */
	staleMs?: number;
	/** How long a failed lookup (hub unreachable) is remembered before the hub is asked again (default 1 s). */
	retryMs?: number;
	logger: Logger;
	now?: () => number;
}

const defaultHostKeyStaleMs = 10 * 60_000;

/**
 * The key of a host whose record the instance's hub signed, looked up from the hub by host id and
 * cached for `cacheMs`, so a host added later needs no copy of its key here. Concurrent requests of
 * one host share one lookup; an id the hub does not know is remembered as unknown for `cacheMs`
 * too, and an unreachable hub for `retryMs`. Revocation fails closed: without the hub, a host is
 * trusted on its last confirmed record for at most `staleMs`, never on copies kept elsewhere.
 */
export class HubHostKeys implements HostKeySource {
	private readonly cache = new Map<number, {answer: Promise<HostKeyAnswer>; until: number}>();
	/** The last record the hub confirmed for each host, and when. */
	private readonly confirmed = new Map<number, {answer: HostKeyAnswer; at: number}>();
	private readonly cacheMs: number;
	private readonly staleMs: number;
	private readonly retryMs: number;
	private readonly now: () => number;

	constructor(private readonly options: HubHostKeysOptions) {
		this.cacheMs = options.cacheMs ?? 5_000;
		this.staleMs = options.staleMs ?? defaultHostKeyStaleMs;
		this.retryMs = options.retryMs ?? 1_000;
		this.now = options.now ?? Date.now;
	}

	get knownHosts(): number {
		return this.confirmed.size;
	}

	keyFor(hostId: number): Promise<HostKeyAnswer> {
		const now = this.now();
		const cached = this.cache.get(hostId);
		if (cached !== undefined && cached.until > now) return cached.answer;
		const answer = this.lookUp(hostId, now);
		this.cache.set(hostId, {answer, until: now + this.cacheMs});
		if (this.cache.size > 10_000) this.forgetExpired(now);
		return answer;
	}

	private async lookUp(hostId: number, now: number): Promise<HostKeyAnswer> {
		const {hub, hubKey, logger} = this.options;
		let record: PublicKeyRecord;
		try {
			const found = await hub.lookup('host', hostId);
			record = {kind: found.kind, id: found.id, publicKey: found.publicKey, hubSignature: found.hubSignature};
		} catch (error) {
			if (error instanceof HubRefusal) {
				this.confirmed.delete(hostId);
				return {refused: `the hub (${hub.location}) has no such host: ${error.message}`};
			}
			const cached = this.cache.get(hostId);
			if (cached !== undefined) cached.until = now + this.retryMs;
			const last = this.confirmed.get(hostId);
			const age = last === undefined ? undefined : now - last.at;
			const usable = last !== undefined && age !== undefined && age <= this.staleMs;
			logger.warn(`hub ${hub.location} unreachable looking up host ${hostId} (${errorMessage(error)})${usable ? `; using its record confirmed ${Math.round(age / 1000)} s ago` : ''}`);
			if (usable) return last.answer;
			const why = last === undefined ? 'and its key was never confirmed here' : `and its key was last confirmed ${Math.round((age ?? 0) / 1000)} s ago, more than the ${this.staleMs / 1000} s a confirmation lasts`;
			return {refused: `the hub (${hub.location}) that vouches for host keys cannot be reached, ${why}`, unavailable: true};
		}
		if (record.id !== hostId) return {refused: `the hub answered with the record of host ${record.id}`};
		const answer = trustedKey(record, hubKey);
		if ('key' in answer) this.confirmed.set(hostId, {answer, at: now});
		else this.confirmed.delete(hostId);
		return answer;
	}

	private forgetExpired(now: number): void {
		for (const [hostId, entry] of this.cache) if (entry.until <= now) this.cache.delete(hostId);
	}
}

export interface InstanceKeyFilesOptions {
	/** The instance's `ampnode/` directory. */
	directory: string;
	hubKey: HubPublicKeyRecord;
	/** How often, at most, a key file is looked at again (default 1 s). */
	recheckMs?: number;
	now?: () => number;
}

/**
 * The host key records in the instance's `ampnode/` (`host-ID.public.key`, signed by the
 * instance's hub): where an instance on the embedded hub finds its members' keys, since that hub's
 * state lives only on the machine that made the instance. `hub update` writes the new record there
 * and `ampzero members add` the record of a host it adds, so the files are as current as the
 * instance; each is looked at again at most once per `recheckMs`, and a rotated-away key is
 * refused as soon as the file with the new one is in place.
 */
export class InstanceKeyFiles implements HostKeySource {
	private readonly cache = new Map<number, {answer: HostKeyAnswer; stamp: string; checkedAt: number}>();
	private readonly recheckMs: number;
	private readonly now: () => number;

	constructor(private readonly options: InstanceKeyFilesOptions) {
		this.recheckMs = options.recheckMs ?? 1_000;
		this.now = options.now ?? Date.now;
	}

	get knownHosts(): number {
		return this.cache.size;
	}

	async keyFor(hostId: number): Promise<HostKeyAnswer> {
		const now = this.now();
		const cached = this.cache.get(hostId);
		if (cached !== undefined && now - cached.checkedAt < this.recheckMs) return cached.answer;
		const file = path.join(this.options.directory, keyFileName('host', hostId, 'public'));
		const stamp = fileStamp(file);
		if (cached !== undefined && cached.stamp === stamp) {
			cached.checkedAt = now;
			return cached.answer;
		}
		const answer = this.read(file, hostId);
		if (this.cache.size > 10_000) this.cache.clear();
		this.cache.set(hostId, {answer, stamp, checkedAt: now});
		return answer;
	}

	private read(file: string, hostId: number): HostKeyAnswer {
		let record: PublicKeyRecord;
		try {
			record = JSON.parse(readFileSync(file, 'utf8')) as PublicKeyRecord;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {refused: `the instance has no key record of host ${hostId} (ampnode/${keyFileName('host', hostId, 'public')}; \`ampzero members NAME add ${hostId}\` writes it)`};
			return {refused: `cannot read ${file}: ${errorMessage(error)}`};
		}
		if (record.id !== hostId) return {refused: `${file} holds the record of host ${record.id}`};
		return trustedKey(record, this.options.hubKey);
	}
}

/** Enough of a file's identity to see that it changed: inode, size, modification and change times. */
export function fileStamp(file: string): string {
	try {
		const stat = statSync(file, {bigint: true});
		return `${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
	} catch {
		return 'missing';
	}
}
