import {mkdir, mkdtemp, readdir, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import nacl from 'tweetnacl';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {DirectoryHub} from '../../services/hub/directory-hub.js';
import {updateStatement} from '../../services/hub/statements.js';
import {writeFileAtomic} from '../../services/system/atomic-write.js';
import {createIdentity} from '../../services/hub/create-identity.js';
import {decode, encode, keyFileName, newKeyPair, signDetached, verifyDetached} from '../../services/keys/identity.js';
import {rotateIdentity} from '../../services/hub/rotate-identity.js';
import {hubPublicKeyFileContent, hubPublicKeyFileName, keyFileContent, readIdentityKeys, secretMatchesPublic, writeIdentityKeys} from '../../services/keys/store.js';

let directory: string;
beforeEach(async () => {
	directory = await mkdtemp(path.join(os.tmpdir(), 'ampzero-keychecks-'));
});
afterEach(async () => {
	await rm(directory, {recursive: true, force: true});
});

async function identityOnDisk(): Promise<{hub: DirectoryHub; ampnode: string; id: number}> {
	const hub = new DirectoryHub(path.join(directory, 'hub'));
	const keys = await createIdentity(hub, 'host');
	const ampnode = path.join(directory, 'ampnode');
	await mkdir(ampnode, {recursive: true});
	await writeIdentityKeys(ampnode, keys);
	await writeFile(path.join(ampnode, hubPublicKeyFileName), hubPublicKeyFileContent(await hub.publicKey()));
	return {hub, ampnode, id: keys.public.id};
}

describe('a private key is checked by deriving its public key from the seed', () => {
	it('a secret whose seed belongs to another key but carries the right public half is refused', async () => {
		const real = newKeyPair();
		const other = decode(newKeyPair().secretKey);
		const forged = new Uint8Array(64);
		forged.set(other.subarray(0, 32), 0);
		forged.set(decode(real.publicKey), 32);
		expect(secretMatchesPublic(real.secretKey, real.publicKey)).toBe(true);
		expect(secretMatchesPublic(encode(forged), real.publicKey)).toBe(false);
		// Such a key signs nothing that verifies: why it must be caught when read.
		expect(verifyDetached('x', signDetached('x', encode(forged)), real.publicKey)).toBe(false);
	});

	it('readIdentityKeys names the private key file whose seed does not match', async () => {
		const {hub, ampnode, id} = await identityOnDisk();
		const file = path.join(ampnode, keyFileName('host', id, 'private'));
		const keys = await readIdentityKeys(ampnode, 'host', await hub.publicKey());
		const forged = decode(keys.private.secretKey);
		forged.set(nacl.randomBytes(32), 0);
		await writeFileAtomic(file, keyFileContent({kind: 'host', id, secretKey: encode(forged)}), 0o600);
		await expect(readIdentityKeys(ampnode, 'host', await hub.publicKey())).rejects.toThrow(/private\.key does not belong to the public key/);
	});
});

describe('hub update that died part way', () => {
	it('is finished by running it again: the hub has the new key, the files end up matching it', async () => {
		const {hub, ampnode, id} = await identityOnDisk();
		const hubKey = await hub.publicKey();
		const before = await readIdentityKeys(ampnode, 'host', hubKey);
		// What a rotation leaves when it dies between writing the new public key and renaming the new private key in.
		const pair = newKeyPair();
		await writeFileAtomic(path.join(ampnode, `.${keyFileName('host', id, 'private')}.rotating`), keyFileContent({kind: 'host', id, secretKey: pair.secretKey}), 0o600);
		const record = await hub.lookup('host', id);
		const {hubSignature} = await hub.update('host', id, pair.publicKey, signDetached(updateStatement('host', id, record.version, pair.publicKey), before.control.secretKey));
		await writeFileAtomic(path.join(ampnode, keyFileName('host', id, 'public')), keyFileContent({kind: 'host', id, publicKey: pair.publicKey, hubSignature}), 0o644);
		await expect(readIdentityKeys(ampnode, 'host', hubKey)).rejects.toThrow(/does not belong/);

		const finished = await rotateIdentity(ampnode, 'host', hub);
		expect(finished.publicKey).toBe(pair.publicKey);
		const after = await readIdentityKeys(ampnode, 'host', hubKey);
		expect(after.private.secretKey).toBe(pair.secretKey);
		expect((await hub.lookup('host', id)).publicKey).toBe(pair.publicKey);
		expect((await readdir(ampnode)).filter(name => name.endsWith('.rotating'))).toEqual([]);
		// And the next run rotates again as usual.
		const again = await rotateIdentity(ampnode, 'host', hub);
		expect(again.publicKey).not.toBe(pair.publicKey);
		expect((await readIdentityKeys(ampnode, 'host', hubKey)).public.publicKey).toBe(again.publicKey);
	});

	it('a staged key the hub never took is dropped and the rotation starts afresh', async () => {
		const {hub, ampnode, id} = await identityOnDisk();
		const pair = newKeyPair();
		await writeFileAtomic(path.join(ampnode, `.${keyFileName('host', id, 'private')}.rotating`), keyFileContent({kind: 'host', id, secretKey: pair.secretKey}), 0o600);
		const rotated = await rotateIdentity(ampnode, 'host', hub);
		expect(rotated.publicKey).not.toBe(pair.publicKey);
		expect((await readIdentityKeys(ampnode, 'host', await hub.publicKey())).public.publicKey).toBe(rotated.publicKey);
	});
});
