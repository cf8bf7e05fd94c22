import {mkdir, readFile} from 'node:fs/promises';
import path from 'node:path';
import nacl from 'tweetnacl';
import {secretFileMode, writeFileAtomic} from '../keys/atomic-write.js';
import {decode, encode, publicKeyStatement, verifyDetached, type HubPublicKeyRecord, type IdentityKind} from '../keys/identity.js';
import {withDirectoryLock} from './lock.js';
import {announceStatement, updateStatement} from './statements.js';
import {HubRefusal, type Hub, type HubRecord} from './types.js';

interface HubSigningKey {
	publicKey: string;
	secretKey: string;
}

type NextIds = Record<IdentityKind, number>;

/** How far ahead of the hub's clock an announce may be dated. */
const clockSkewMs = 5 * 60_000;

/**
 * The hub itself: state in a directory (the hub's signing key, the next ids, one record per
 * identity). Used in-process for an embedded hub and behind `ampzero hub serve`. Every change
 * happens under a lock on the directory, so concurrent inits never share an id.
 */
export class DirectoryHub implements Hub {
	private signingKey: HubSigningKey | undefined;

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
		return withDirectoryLock(this.stateDirectory, async () => {
			const next = await this.readNextIds();
			const id = next[kind];
			// The counter moves first: a crash after it skips an id, never hands one out twice.
			await writeFileAtomic(this.nextIdsFile(), `${JSON.stringify({...next, [kind]: id + 1})}\n`);
			const hubSignature = sign(publicKeyStatement({kind, id, publicKey}), key);
			await this.writeRecord({kind, id, publicKey, controlPublicKey, version: 1, hubSignature});
			return {id, hubSignature};
		}, signal);
	}

	async update(kind: IdentityKind, id: number, newPublicKey: string, signature: string): Promise<{hubSignature: string; version: number}> {
		checkKind(kind);
		checkPublicKey(newPublicKey, 'newPublicKey');
		const key = await this.key();
		return withDirectoryLock(this.stateDirectory, async () => {
			const record = await this.lookup(kind, id);
			if (!verifyDetached(updateStatement(kind, id, record.version, newPublicKey), signature, record.controlPublicKey)) {
				throw new HubRefusal(
					`the hub refused to update ${kind}-${id}: the request is not signed by that identity's control key (${kind}-${id}.control.key)`,
					403,
				);
			}
			const hubSignature = sign(publicKeyStatement({kind, id, publicKey: newPublicKey}), key);
			const version = record.version + 1;
			await this.writeRecord({...record, publicKey: newPublicKey, version, hubSignature});
			return {hubSignature, version};
		});
	}

	async announce(hostId: number, address: string, at: string, signature: string): Promise<void> {
		if (typeof address !== 'string' || address === '' || address.length > 255 || /\s/.test(address)) {
			throw new HubRefusal('the address to announce must be a non-empty host:port without spaces', 400);
		}
		const time = Date.parse(at);
		if (Number.isNaN(time)) throw new HubRefusal(`the announce time "${at}" is not an ISO time`, 400);
		if (time > Date.now() + clockSkewMs) throw new HubRefusal(`the announce time ${at} is in the future; check this machine's clock`, 400);
		await withDirectoryLock(this.stateDirectory, async () => {
			const record = await this.lookup('host', hostId);
			if (!verifyDetached(announceStatement(hostId, address, at), signature, record.publicKey)) {
				throw new HubRefusal(`the hub refused the address of host-${hostId}: it is not signed by that host's key`, 403);
			}
			if (record.announcedAt !== undefined && time <= Date.parse(record.announcedAt)) {
				throw new HubRefusal(`the hub refused the address of host-${hostId}: it already has a newer one (${record.announcedAt})`, 403);
			}
			await this.writeRecord({...record, address, announcedAt: at});
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

	private async key(signal?: AbortSignal): Promise<HubSigningKey> {
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
		this.signingKey = key;
		return key;
	}

	private nextIdsFile(): string {
		return path.join(this.stateDirectory, 'next-ids.json');
	}

	private async readNextIds(): Promise<NextIds> {
		try {
			const stored = JSON.parse(await readFile(this.nextIdsFile(), 'utf8')) as Partial<NextIds>;
			return {user: stored.user ?? 1, host: stored.host ?? 1};
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {user: 1, host: 1};
			throw error;
		}
	}

	private recordFile(kind: IdentityKind, id: number): string {
		return path.join(this.stateDirectory, 'records', `${kind}-${id}.json`);
	}

	private async writeRecord(record: HubRecord): Promise<void> {
		await writeFileAtomic(this.recordFile(record.kind, record.id), `${JSON.stringify(record, null, '\t')}\n`);
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

function sign(statement: Uint8Array, key: HubSigningKey): string {
	return encode(nacl.sign.detached(statement, decode(key.secretKey)));
}

function checkKind(kind: string): asserts kind is IdentityKind {
	if (kind !== 'user' && kind !== 'host') throw new HubRefusal(`kind must be "user" or "host", not "${kind}"`, 400);
}

function checkPublicKey(key: unknown, name: string): void {
	if (typeof key !== 'string' || decode(key).length !== nacl.sign.publicKeyLength) {
		throw new HubRefusal(`${name} must be a base64 Ed25519 public key (32 bytes)`, 400);
	}
}
