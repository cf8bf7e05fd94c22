import crypto, {type KeyObject} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {mkdir, readFile} from 'node:fs/promises';
import path from 'node:path';
import nacl from 'tweetnacl';
import {secretFileMode, writeFileAtomic, writeFileAtomicSync} from '../system/atomic-write.js';
import {decode, encode, publicKeyStatement, type HubPublicKeyRecord, type IdentityKind} from '../keys/identity.js';
import {signingKeyObject, verifyingKeyObject, verifyStatement} from '../keys/request-signing.js';
import {withDirectoryLock} from './lock.js';
import {announceStatement, updateStatement} from './statements.js';
import {HubRefusal, type HostAnnouncement, type Hub, type HubRecord} from './types.js';

interface HubSigningKey {
	publicKey: string;
	secretKey: string;
}

/** The hub key as read, and as node:crypto signs with it. */
interface LoadedHubKey extends HubSigningKey {
	signer: KeyObject;
}

type NextIds = Record<IdentityKind, number>;

/** How far from the hub's clock an announce may be dated (ahead, or behind before it is stale). */
const clockSkewMs = 5 * 60_000;

/**
 * The hub itself: state in a directory (the hub's signing key, the next ids, one record per
 * identity). Used in-process for an embedded hub and behind `ampzero hub serve`. Every change
 * happens under a lock on the directory, so concurrent inits never share an id; every signature
 * is checked before that lock is asked for.
 */
export class DirectoryHub implements Hub {
	private signingKey: LoadedHubKey | undefined;
	/** Records read for the checks made before the lock, kept for `recentMs`: a flood of forged requests for one identity reads its file once a second. */
	private readonly recent = new Map<string, {record: HubRecord; at: number}>();

	constructor(
		readonly stateDirectory: string,
		readonly location = 'embedded',
	) {}

	async publicKey(signal?: AbortSignal): Promise<HubPublicKeyRecord> {
		const key = await this.key(signal);
		return {hub: this.location, publicKey: key.publicKey};
	}

	async register(kind: IdentityKind, publicKey: string, controlPublicKey: string, signal?: AbortSignal): Promise<{id: number; hubSignature: string}> {
		checkKind(kind);
		checkPublicKey(publicKey, 'publicKey');
		checkPublicKey(controlPublicKey, 'controlPublicKey');
		const key = await this.key(signal);
		// The critical section runs without yielding: a flood of other requests cannot slip between its steps.
		return withDirectoryLock(this.stateDirectory, async () => {
			const next = this.readNextIds();
			const id = next[kind];
			// The counter moves first: a crash after it skips an id, never hands one out twice.
			writeFileAtomicSync(this.nextIdsFile(), `${JSON.stringify({...next, [kind]: id + 1})}\n`);
			const hubSignature = sign(publicKeyStatement({kind, id, publicKey}), key);
			this.writeRecord({kind, id, publicKey, controlPublicKey, version: 1, hubSignature});
			return {id, hubSignature};
		}, signal);
	}

	async update(kind: IdentityKind, id: number, newPublicKey: string, signature: string): Promise<{hubSignature: string; version: number}> {
		checkKind(kind);
		checkPublicKey(newPublicKey, 'newPublicKey');
		const key = await this.key();
		// The signature is checked before the lock, so that forged updates never queue for it; and again under it, against the record as it is then.
		const refused = (): HubRefusal =>
			new HubRefusal(`the hub refused to update ${kind}-${id}: the request is not signed by that identity's control key (${kind}-${id}.control.key)`, 403);
		const signedBy = (record: HubRecord): boolean => verifies(updateStatement(kind, id, record.version, newPublicKey), signature, record.controlPublicKey);
		if (!signedBy(await this.recentRecord(kind, id))) throw refused();
		return withDirectoryLock(this.stateDirectory, async () => {
			const record = this.readRecord(kind, id);
			if (!signedBy(record)) throw refused();
			const hubSignature = sign(publicKeyStatement({kind, id, publicKey: newPublicKey}), key);
			const version = record.version + 1;
			this.writeRecord({...record, publicKey: newPublicKey, version, hubSignature});
			return {hubSignature, version};
		});
	}

	async announce(announcement: HostAnnouncement): Promise<void> {
		const {hostId, host, port, at, sequence, signature} = announcement;
		if (typeof host !== 'string' || host === '' || host.length > 255 || /[\s/]/.test(host)) {
			throw new HubRefusal('the host to announce must be a non-empty name or address without spaces', 400);
		}
		if (!Number.isInteger(port) || port < 1 || port > 65535) throw new HubRefusal(`the port to announce must be from 1 to 65535, not ${port}`, 400);
		if (!Number.isSafeInteger(sequence) || sequence < 1) throw new HubRefusal('the announce needs a positive whole sequence number', 400);
		if (typeof signature !== 'string' || signature === '') throw new HubRefusal(`the hub refused the address of host-${hostId}: it is not signed`, 403);
		const time = Date.parse(at);
		if (typeof at !== 'string' || Number.isNaN(time)) throw new HubRefusal(`the announce time "${at}" is not an ISO time`, 400);
		if (time > Date.now() + clockSkewMs) throw new HubRefusal(`the announce time ${at} is in the future; check this machine's clock`, 400);
		if (time < Date.now() - clockSkewMs) throw new HubRefusal(`the hub refused the address of host-${hostId}: it is stale (made ${at}, more than ${clockSkewMs / 60_000} minutes ago)`, 403);
		const statement = announceStatement({hostId, host, port, at, sequence});
		const notSigned = (): HubRefusal => new HubRefusal(`the hub refused the address of host-${hostId}: it is not signed by that host's key`, 403);
		// Checked before the lock: a flood of forged announces costs a file read and a signature check each, and never waits for or holds the lock.
		const before = await this.recentRecord('host', hostId);
		if (!verifies(statement, signature, before.publicKey)) throw notSigned();
		await withDirectoryLock(this.stateDirectory, async () => {
			const record = this.readRecord('host', hostId);
			if (record.publicKey !== before.publicKey && !verifies(statement, signature, record.publicKey)) throw notSigned();
			if (record.announced !== undefined && sequence <= record.announced.sequence) {
				throw new HubRefusal(`the hub refused the address of host-${hostId}: sequence ${sequence} is not above the last one kept (${record.announced.sequence}); a replay`, 409);
			}
			this.writeRecord({...record, announced: {hostId, host, port, at, sequence, signature}});
		});
	}

	async lookup(kind: IdentityKind, id: number): Promise<HubRecord> {
		checkKind(kind);
		if (!Number.isInteger(id) || id < 1) throw new HubRefusal(`"${id}" is not an identity id`, 400);
		try {
			return JSON.parse(await readFile(this.recordFile(kind, id), 'utf8')) as HubRecord;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new HubRefusal(`the hub has no ${kind}-${id}`, 404);
			throw error;
		}
	}

	/** The record as read at most `recentMs` ago: only for the checks before the lock, which are repeated under it against the file. */
	private async recentRecord(kind: IdentityKind, id: number): Promise<HubRecord> {
		const name = `${kind}-${id}`;
		const now = Date.now();
		const cached = this.recent.get(name);
		if (cached !== undefined && now - cached.at < recentMs) return cached.record;
		const record = await this.lookup(kind, id);
		if (this.recent.size >= 10_000) this.recent.clear();
		this.recent.set(name, {record, at: now});
		return record;
	}

	private async key(signal?: AbortSignal): Promise<LoadedHubKey> {
		if (this.signingKey) return this.signingKey;
		const file = path.join(this.stateDirectory, 'hub.key');
		let key = await readSigningKey(file);
		if (!key) {
			await mkdir(path.join(this.stateDirectory, 'records'), {recursive: true, mode: 0o700});
			key = await withDirectoryLock(this.stateDirectory, async () => {
				const existing = await readSigningKey(file);
				if (existing) return existing;
				const pair = nacl.sign.keyPair();
				const created = {publicKey: encode(pair.publicKey), secretKey: encode(pair.secretKey)};
				await writeFileAtomic(file, `${JSON.stringify(created, null, '\t')}\n`, secretFileMode);
				return created;
			}, signal);
		}
		this.signingKey = {...key, signer: signingKeyObject(key.secretKey)};
		return this.signingKey;
	}

	private nextIdsFile(): string {
		return path.join(this.stateDirectory, 'next-ids.json');
	}

	private readNextIds(): NextIds {
		try {
			const stored = JSON.parse(readFileSync(this.nextIdsFile(), 'utf8')) as Partial<NextIds>;
			return {user: stored.user ?? 1, host: stored.host ?? 1};
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {user: 1, host: 1};
			throw error;
		}
	}

	private recordFile(kind: IdentityKind, id: number): string {
		return path.join(this.stateDirectory, 'records', `${kind}-${id}.json`);
	}

	/** A record read under the lock, synchronously like the rest of the critical section. */
	private readRecord(kind: IdentityKind, id: number): HubRecord {
		try {
			return JSON.parse(readFileSync(this.recordFile(kind, id), 'utf8')) as HubRecord;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new HubRefusal(`the hub has no ${kind}-${id}`, 404);
			throw error;
		}
	}

	private writeRecord(record: HubRecord): void {
		writeFileAtomicSync(this.recordFile(record.kind, record.id), `${JSON.stringify(record, null, '\t')}\n`);
		this.recent.delete(`${record.kind}-${record.id}`);
	}
}

async function readSigningKey(file: string): Promise<HubSigningKey | undefined> {
	try {
		return JSON.parse(await readFile(file, 'utf8')) as HubSigningKey;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		throw error;
	}
}

const recentMs = 1_000;
const keyObjects = new Map<string, KeyObject>();

/** Ed25519 through node:crypto: the same check as tweetnacl's, about a hundred times faster. */
function verifies(statement: string, signature: string, publicKey: string): boolean {
	try {
		let key = keyObjects.get(publicKey);
		if (key === undefined) {
			key = verifyingKeyObject(publicKey);
			if (keyObjects.size >= 10_000) keyObjects.clear();
			keyObjects.set(publicKey, key);
		}
		return verifyStatement(statement, signature, key);
	} catch {
		return false;
	}
}

/** The same signature as tweetnacl's sign.detached, through node:crypto: under a millisecond where tweetnacl took some 5 ms of the critical section. */
function sign(statement: Uint8Array, key: LoadedHubKey): string {
	return crypto.sign(null, statement, key.signer).toString('base64');
}

function checkKind(kind: string): asserts kind is IdentityKind {
	if (kind !== 'user' && kind !== 'host') throw new HubRefusal(`kind must be "user" or "host", not "${kind}"`, 400);
}

function checkPublicKey(key: unknown, name: string): void {
	if (typeof key !== 'string' || decode(key).length !== nacl.sign.publicKeyLength) {
		throw new HubRefusal(`${name} must be a base64 Ed25519 public key (32 bytes)`, 400);
	}
}
