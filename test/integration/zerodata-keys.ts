import {mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {
	keyFileName,
	newKeyPair,
	publicKeyStatement,
	signDetached,
	type HubPublicKeyRecord,
	type PublicKeyRecord,
} from '../../services/keys/identity.js';

/** A hub and host keys it signed, as the tests of zerodata need them. */
export interface TestHostKeys {
	hub: HubPublicKeyRecord;
	hubSecretKey: string;
	hosts: Array<{record: PublicKeyRecord; secretKey: string}>;
}

export function makeHostKeys(hostIds: number[]): TestHostKeys {
	const hubPair = newKeyPair();
	const hub: HubPublicKeyRecord = {hub: 'embedded', publicKey: hubPair.publicKey};
	const hosts = hostIds.map(id => {
		const pair = newKeyPair();
		const unsigned = {kind: 'host' as const, id, publicKey: pair.publicKey};
		return {record: {...unsigned, hubSignature: signDetached(publicKeyStatement(unsigned), hubPair.secretKey)}, secretKey: pair.secretKey};
	});
	return {hub, hubSecretKey: hubPair.secretKey, hosts};
}

/** Writes `ampnode/hub.public.key` and `ampnode/host-<id>.public.key` into an instance directory. */
export function writeHostKeys(instanceDirectory: string, keys: TestHostKeys): void {
	const directory = path.join(instanceDirectory, 'ampnode');
	mkdirSync(directory, {recursive: true});
	writeFileSync(path.join(directory, 'hub.public.key'), JSON.stringify(keys.hub, null, '\t'));
	for (const host of keys.hosts) {
		writeFileSync(path.join(directory, keyFileName('host', host.record.id, 'public')), JSON.stringify(host.record, null, '\t'));
	}
}
