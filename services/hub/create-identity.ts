import type {Hub} from './types.js';
import {AmpError} from '../errors.js';
import {newKeyPair, verifyPublicKey, type HubPublicKeyRecord, type IdentityKind} from '../keys/identity.js';
import type {IdentityKeys} from '../keys/store.js';

/**
 * Makes the two keypairs of a new identity and registers it with the hub, which gives the id and
 * signs the public key. With `hubKey`, the hub's signature is checked before anything is returned.
 */
export async function createIdentity(hub: Hub, kind: IdentityKind, signal?: AbortSignal, hubKey?: HubPublicKeyRecord): Promise<IdentityKeys> {
	const signing = newKeyPair();
	const control = newKeyPair();
	const {id, hubSignature} = await hub.register(kind, signing.publicKey, control.publicKey, signal);
	const record = {kind, id, publicKey: signing.publicKey, hubSignature};
	if (hubKey && !verifyPublicKey(record, hubKey)) {
		throw new AmpError(`the hub at ${hub.location} returned a ${kind} key that is not signed by its own key (${hubKey.publicKey}); it is not the hub it claims to be`);
	}
	return {
		public: record,
		private: {kind, id, secretKey: signing.secretKey},
		control: {kind, id, publicKey: control.publicKey, secretKey: control.secretKey},
	};
}
