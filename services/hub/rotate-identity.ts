import {access, rename, rm} from 'node:fs/promises';
import path from 'node:path';
import nacl from 'tweetnacl';
import {updateStatement} from './statements.js';
import type {Hub} from './types.js';
import {secretFileMode, syncDirectory, writeFileAtomic} from '../system/atomic-write.js';
import {decode, encode, keyFileName, newKeyPair, signDetached, verifyPublicKey, type HubPublicKeyRecord, type IdentityKind, type PublicKeyRecord} from '../keys/identity.js';
import {findIdentityId, hubPublicKeyFileName, keyFileContent, readHubPublicKeyFile, readIdentityKeys, readPrivateKeyFile} from '../keys/store.js';

/** Where the new private key waits, whole on disk, from before the hub hears of it until it replaces the old one. */
function stagedPrivateFile(ampnodeDirectory: string, kind: IdentityKind, id: number): string {
	return path.join(ampnodeDirectory, `.${keyFileName(kind, id, 'private')}.rotating`);
}

/**
 * Replaces an identity's signing keypair: a new pair whose private key is staged on disk first,
 * then registered with the hub by a request signed with the control key, then the new public key
 * file written and the staged private key renamed into place. The control key stays. A rotation
 * that died at any point is finished by the next call (and that call rotates nothing more).
 */
export async function rotateIdentity(ampnodeDirectory: string, kind: IdentityKind, hub: Hub): Promise<PublicKeyRecord> {
	const hubKey = await readHubPublicKeyFile(path.join(ampnodeDirectory, hubPublicKeyFileName));
	const finished = await finishInterruptedRotation(ampnodeDirectory, kind, hub, hubKey);
	if (finished) return finished;
	const keys = await readIdentityKeys(ampnodeDirectory, kind, hubKey);
	const {id} = keys.public;
	const current = await hub.lookup(kind, id);
	const pair = newKeyPair();
	const staged = stagedPrivateFile(ampnodeDirectory, kind, id);
	await writeFileAtomic(staged, keyFileContent({kind, id, secretKey: pair.secretKey}), secretFileMode);
	const signature = signDetached(updateStatement(kind, id, current.version, pair.publicKey), keys.control.secretKey);
	let hubSignature: string;
	try {
		({hubSignature} = await hub.update(kind, id, pair.publicKey, signature));
	} catch (error) {
		// Refused: the hub keeps the old key, and so do we.
		await rm(staged, {force: true});
		throw error;
	}
	return installRotation(ampnodeDirectory, {kind, id, publicKey: pair.publicKey, hubSignature});
}

/**
 * A staged private key left by a rotation that died: when the hub holds its public key, the
 * rotation is finished (public key file, then the private key renamed into place); otherwise the
 * hub never took it and it is removed. Returns the public record when it finished one.
 */
async function finishInterruptedRotation(ampnodeDirectory: string, kind: IdentityKind, hub: Hub, hubKey: HubPublicKeyRecord): Promise<PublicKeyRecord | undefined> {
	const id = await findIdentityId(ampnodeDirectory, kind);
	const staged = stagedPrivateFile(ampnodeDirectory, kind, id);
	if (!(await access(staged).then(() => true, () => false))) return undefined;
	const secret = decode((await readPrivateKeyFile(staged)).secretKey);
	const stagedPublic = encode(nacl.sign.keyPair.fromSeed(secret.subarray(0, nacl.sign.seedLength)).publicKey);
	const record = await hub.lookup(kind, id);
	const candidate: PublicKeyRecord = {kind, id, publicKey: record.publicKey, hubSignature: record.hubSignature};
	if (record.publicKey !== stagedPublic || !verifyPublicKey(candidate, hubKey)) {
		await rm(staged, {force: true});
		return undefined;
	}
	return installRotation(ampnodeDirectory, candidate);
}

async function installRotation(ampnodeDirectory: string, record: PublicKeyRecord): Promise<PublicKeyRecord> {
	const {kind, id} = record;
	const publicRecord: PublicKeyRecord = {kind, id, publicKey: record.publicKey, hubSignature: record.hubSignature};
	await writeFileAtomic(path.join(ampnodeDirectory, keyFileName(kind, id, 'public')), keyFileContent(publicRecord), 0o644);
	await rename(stagedPrivateFile(ampnodeDirectory, kind, id), path.join(ampnodeDirectory, keyFileName(kind, id, 'private')));
	await syncDirectory(ampnodeDirectory);
	return record;
}
