import {readdir} from 'node:fs/promises';
import path from 'node:path';
import nacl from 'tweetnacl';
import {AmpError} from '../errors.js';
import {secretFileMode, writeFileAtomic} from '../system/atomic-write.js';
import {readRegularFile} from '../files/read-regular-file.js';
import {
	decode,
	keyFileName,
	verifyPublicKey,
	type ControlKeyRecord,
	type HubPublicKeyRecord,
	type IdentityKind,
	type PrivateKeyRecord,
	type PublicKeyRecord,
} from './identity.js';

/** The three files of one identity (user or host), as they are on disk. */
export interface IdentityKeys {
	public: PublicKeyRecord;
	private: PrivateKeyRecord;
	control: ControlKeyRecord;
}

export const hubPublicKeyFileName = 'hub.public.key';

/** A key file's text: the record as tab-indented JSON. */
export const keyFileContent = (record: object): string => `${JSON.stringify(record, null, '\t')}\n`;
const serialise = keyFileContent;

/** The file plans of an identity's three key files: public 0644, private and control 0600. */
function identityKeyFiles(keys: IdentityKeys): Array<{file: string; content: string; mode: number}> {
	const {kind, id} = keys.public;
	return [
		{file: keyFileName(kind, id, 'public'), content: serialise(keys.public), mode: 0o644},
		{file: keyFileName(kind, id, 'private'), content: serialise(keys.private), mode: secretFileMode},
		{file: keyFileName(kind, id, 'control'), content: serialise(keys.control), mode: secretFileMode},
	];
}

export function hubPublicKeyFileContent(record: HubPublicKeyRecord): string {
	return serialise(record);
}

/** Writes the identity's three key files into `directory`, each atomically. */
export async function writeIdentityKeys(directory: string, keys: IdentityKeys): Promise<void> {
	for (const {file, content, mode} of identityKeyFiles(keys)) await writeFileAtomic(path.join(directory, file), content, mode);
}

async function readJson(file: string): Promise<Record<string, unknown>> {
	let text: string;
	try {
		text = await readRegularFile(file);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new AmpError(`${file} is missing`);
		throw error;
	}
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		throw new AmpError(`${file} is not a key file (it is not valid JSON); restore it from your backup`);
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AmpError(`${file} is not a key file; restore it from your backup`);
	return value as Record<string, unknown>;
}

function field<T extends 'string' | 'number'>(record: Record<string, unknown>, name: string, type: T, file: string): T extends 'string' ? string : number {
	const value = record[name];
	if (typeof value !== type || (type === 'number' && !Number.isInteger(value))) {
		throw new AmpError(`${file}: "${name}" is missing or not a ${type}; restore the file from your backup`);
	}
	return value as T extends 'string' ? string : number;
}

function kindField(record: Record<string, unknown>, file: string): IdentityKind {
	const kind = field(record, 'kind', 'string', file);
	if (kind !== 'user' && kind !== 'host') throw new AmpError(`${file}: "kind" must be "user" or "host", not "${kind}"`);
	return kind;
}

export async function readPublicKeyFile(file: string): Promise<PublicKeyRecord> {
	const record = await readJson(file);
	return {
		kind: kindField(record, file),
		id: field(record, 'id', 'number', file),
		publicKey: field(record, 'publicKey', 'string', file),
		hubSignature: field(record, 'hubSignature', 'string', file),
	};
}

export async function readPrivateKeyFile(file: string): Promise<PrivateKeyRecord> {
	const record = await readJson(file);
	return {kind: kindField(record, file), id: field(record, 'id', 'number', file), secretKey: field(record, 'secretKey', 'string', file)};
}

async function readControlKeyFile(file: string): Promise<ControlKeyRecord> {
	const record = await readJson(file);
	return {
		kind: kindField(record, file),
		id: field(record, 'id', 'number', file),
		publicKey: field(record, 'publicKey', 'string', file),
		secretKey: field(record, 'secretKey', 'string', file),
	};
}

export async function readHubPublicKeyFile(file: string): Promise<HubPublicKeyRecord> {
	const record = await readJson(file);
	return {hub: field(record, 'hub', 'string', file), publicKey: field(record, 'publicKey', 'string', file)};
}

/** The id of the `kind` identity in an instance's `ampnode/` directory, from its `.public.key` file name. */
export async function findIdentityId(ampnodeDirectory: string, kind: IdentityKind): Promise<number> {
	const names = await readdir(ampnodeDirectory).catch(() => [] as string[]);
	const ids = names.flatMap(name => {
		const match = new RegExp(`^${kind}-(\\d+)\\.public\\.key$`).exec(name);
		return match?.[1] ? [Number(match[1])] : [];
	});
	if (ids.length === 0) throw new AmpError(`no ${kind}-<id>.public.key in ${ampnodeDirectory}; is this an instance made by \`ampzero init\`?`);
	if (ids.length > 1) throw new AmpError(`several ${kind} keys in ${ampnodeDirectory} (${ids.map(id => `${kind}-${id}`).join(', ')}); keep one`);
	return ids[0]!;
}

/**
 * Reads and checks an identity's three key files: the hub's signature over the public key, and
 * that the private key belongs to it. Throws an AmpError naming the file at fault.
 */
export async function readIdentityKeys(ampnodeDirectory: string, kind: IdentityKind, hub: HubPublicKeyRecord): Promise<IdentityKeys> {
	const id = await findIdentityId(ampnodeDirectory, kind);
	const file = (part: 'public' | 'private' | 'control'): string => path.join(ampnodeDirectory, keyFileName(kind, id, part));
	const keys: IdentityKeys = {
		public: await readPublicKeyFile(file('public')),
		private: await readPrivateKeyFile(file('private')),
		control: await readControlKeyFile(file('control')),
	};
	for (const [part, record] of [['public', keys.public], ['private', keys.private], ['control', keys.control]] as const) {
		if (record.kind !== kind || record.id !== id) throw new AmpError(`${file(part)} says ${record.kind}-${record.id}, not ${kind}-${id}`);
	}
	if (!verifyPublicKey(keys.public, hub)) {
		throw new AmpError(`${file('public')} is not signed by the hub in ${hubPublicKeyFileName}; it was altered, or belongs to another hub`);
	}
	if (!secretMatchesPublic(keys.private.secretKey, keys.public.publicKey)) {
		throw new AmpError(`${file('private')} does not belong to the public key in ${file('public')}`);
	}
	if (!secretMatchesPublic(keys.control.secretKey, keys.control.publicKey)) {
		throw new AmpError(`${file('control')} holds a secret key that does not match its public key`);
	}
	return keys;
}

/**
 * Whether an Ed25519 secret key (tweetnacl's 64 bytes: the seed, then a copy of the public key) is
 * the one of `publicKey`. The public key is derived from the seed: the copied half proves nothing,
 * and signatures made with a seed that does not match it verify against no key.
 */
export function secretMatchesPublic(secretKey: string, publicKey: string): boolean {
	try {
		const secret = decode(secretKey);
		if (secret.length !== nacl.sign.secretKeyLength) return false;
		const derived = nacl.sign.keyPair.fromSeed(secret.subarray(0, nacl.sign.seedLength)).publicKey;
		const expected = Buffer.from(decode(publicKey));
		return Buffer.from(derived).equals(expected) && Buffer.from(secret.subarray(nacl.sign.seedLength)).equals(expected);
	} catch {
		return false;
	}
}
