import {mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {DirectoryHub} from '../../services/hub/directory-hub.js';
import {writeFileAtomic} from '../../services/system/atomic-write.js';
import {createIdentity} from '../../services/hub/create-identity.js';
import {keyFileName, verifyPublicKey} from '../../services/keys/identity.js';
import {readIdentityKeys, readPublicKeyFile, writeIdentityKeys} from '../../services/keys/store.js';

let directory: string;

beforeEach(async () => {
	directory = await mkdtemp(path.join(os.tmpdir(), 'ampzero-keys-'));
});

afterEach(async () => {
	await rm(directory, {recursive: true, force: true});
});

describe('writeFileAtomic', () => {
	it('writes with the mode asked for, whatever the umask, and leaves no temp file', async () => {
		const previous = process.umask(0o077);
		try {
			await writeFileAtomic(path.join(directory, 'open.txt'), 'open\n', 0o644);
		} finally {
			process.umask(previous);
		}
		await writeFileAtomic(path.join(directory, 'secret.txt'), 'secret\n', 0o600);
		expect((await stat(path.join(directory, 'open.txt'))).mode & 0o777).toBe(0o644);
		expect((await stat(path.join(directory, 'secret.txt'))).mode & 0o777).toBe(0o600);
		expect((await readdir(directory)).sort()).toEqual(['open.txt', 'secret.txt']);
	});

	it('replaces a file whole', async () => {
		const file = path.join(directory, 'f');
		await writeFile(file, 'old content that is longer');
		await writeFileAtomic(file, 'new');
		expect(await readFile(file, 'utf8')).toBe('new');
	});
});

describe('identity key files', () => {
	it('writes the three files, private and control 0600, and reads them back verified', async () => {
		const hub = new DirectoryHub(path.join(directory, 'hub'));
		const keys = await createIdentity(hub, 'host');
		const ampnode = await mkdirp(path.join(directory, 'ampnode'));
		await writeIdentityKeys(ampnode, keys);
		const mode = async (part: 'public' | 'private' | 'control'): Promise<number> =>
			(await stat(path.join(ampnode, keyFileName('host', keys.public.id, part)))).mode & 0o777;
		expect(await mode('public')).toBe(0o644);
		expect(await mode('private')).toBe(0o600);
		expect(await mode('control')).toBe(0o600);
		const read = await readIdentityKeys(ampnode, 'host', await hub.publicKey());
		expect(read).toEqual(keys);
	});

	it('every public key verifies against the hub key; a tampered one fails', async () => {
		const hub = new DirectoryHub(path.join(directory, 'hub'));
		const hubKey = await hub.publicKey();
		const ampnode = await mkdirp(path.join(directory, 'ampnode'));
		const user = await createIdentity(hub, 'user');
		await writeIdentityKeys(ampnode, user);
		const file = path.join(ampnode, keyFileName('user', user.public.id, 'public'));
		expect(verifyPublicKey(await readPublicKeyFile(file), hubKey)).toBe(true);

		const record = JSON.parse(await readFile(file, 'utf8')) as {id: number};
		await writeFile(file, JSON.stringify({...record, id: record.id + 1}));
		expect(verifyPublicKey(await readPublicKeyFile(file), hubKey)).toBe(false);

		const other = await createIdentity(hub, 'user');
		await writeFile(file, JSON.stringify({...user.public, publicKey: other.public.publicKey}));
		expect(verifyPublicKey(await readPublicKeyFile(file), hubKey)).toBe(false);
		await expect(readIdentityKeys(ampnode, 'user', hubKey)).rejects.toThrow(/not signed by the hub/);
	});

	it('a public key signed by another hub does not verify', async () => {
		const ours = new DirectoryHub(path.join(directory, 'ours'));
		const theirs = new DirectoryHub(path.join(directory, 'theirs'));
		const keys = await createIdentity(theirs, 'host');
		expect(verifyPublicKey(keys.public, await ours.publicKey())).toBe(false);
		expect(verifyPublicKey(keys.public, await theirs.publicKey())).toBe(true);
	});

	it('says which file is broken', async () => {
		const ampnode = await mkdirp(path.join(directory, 'ampnode'));
		await writeFile(path.join(ampnode, 'user-3.public.key'), 'not json');
		await expect(readPublicKeyFile(path.join(ampnode, 'user-3.public.key'))).rejects.toThrow(/user-3\.public\.key is not a key file/);
	});
});

async function mkdirp(directory: string): Promise<string> {
	await mkdir(directory, {recursive: true});
	return directory;
}
