import type {Hub} from '../hub/types.js';
import {newKeyPair, type IdentityKind} from './identity.js';
import type {IdentityKeys} from './store.js';

/** Makes the two keypairs of a new identity and registers it with the hub, which gives the id and signs the public key. */
export async function createIdentity(hub: Hub, kind: IdentityKind, signal?: AbortSignal): Promise<IdentityKeys> {
	const signing = newKeyPair();
	const control = newKeyPair();
	const {id, hubSignature} = await hub.register(kind, signing.publicKey, control.publicKey, signal);
	return {
		public: {kind, id, publicKey: signing.publicKey, hubSignature},
		private: {kind, id, secretKey: signing.secretKey},
		control: {kind, id, publicKey: control.publicKey, secretKey: control.secretKey},
	};
}
