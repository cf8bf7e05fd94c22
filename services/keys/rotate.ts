import {rename} from 'node:fs/promises';
import path from 'node:path';
import {updateStatement} from '../hub/statements.js';
import type {Hub} from '../hub/types.js';
import {secretFileMode, syncDirectory, writeFileAtomic} from './atomic-write.js';
import {keyFileName, newKeyPair, signDetached, type IdentityKind, type PublicKeyRecord} from './identity.js';
import {hubPublicKeyFileName, identityKeyFiles, readHubPublicKeyFile, readIdentityKeys} from './store.js';

/**
 * Replaces an identity's signing keypair: a new pair, registered with the hub by a request
 * signed with the control key, then the new private and public key files written in place
 * (both complete on disk before either replaces the old one). The control key stays.
 */
export async function rotateIdentity(ampnodeDirectory: string, kind: IdentityKind, hub: Hub): Promise<PublicKeyRecord> {
	const hubKey = await readHubPublicKeyFile(path.join(ampnodeDirectory, hubPublicKeyFileName));
	const keys = await readIdentityKeys(ampnodeDirectory, kind, hubKey);
	const {id} = keys.public;
	const current = await hub.lookup(kind, id);
	const pair = newKeyPair();
	const signature = signDetached(updateStatement(kind, id, current.version, pair.publicKey), keys.control.secretKey);
	const {hubSignature} = await hub.update(kind, id, pair.publicKey, signature);
	const rotated = {
		public: {kind, id, publicKey: pair.publicKey, hubSignature},
		private: {kind, id, secretKey: pair.secretKey},
		control: keys.control,
	};
	const files = identityKeyFiles(rotated).filter(file => file.file !== keyFileName(kind, id, 'control'));
	const staged = files.map(file => ({...file, staged: path.join(ampnodeDirectory, `.${file.file}.rotating`)}));
	for (const file of staged) await writeFileAtomic(file.staged, file.content, file.file.endsWith('.private.key') ? secretFileMode : file.mode);
	for (const file of staged) await rename(file.staged, path.join(ampnodeDirectory, file.file));
	await syncDirectory(ampnodeDirectory);
	return rotated.public;
}
