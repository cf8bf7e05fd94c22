import {mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {DirectoryHub} from '../../services/hub/directory-hub.js';
import {updateStatement} from '../../services/hub/statements.js';
import {
	keyFileName,
	newKeyPair,
	publicKeyStatement,
	signDetached,
	type HubPublicKeyRecord,
	type PublicKeyRecord,
} from '../../services/keys/identity.js';
import {HubHostKeys, StaticHostKeys, type HostKeySource} from '../../source/daemons/shared/host-keys.js';
import {silentLogger} from '../../source/daemons/shared/logger.js';

/** A hub and host keys it signed, as the tests of zerodata and logstore need them. */
export interface TestHostKeys {
	hub: HubPublicKeyRecord;
	hosts: Array<{record: PublicKeyRecord; secretKey: string; controlSecretKey?: string}>;
	/** Set when the hub is a real one (a DirectoryHub) that the daemons look keys up from. */
	directoryHub?: DirectoryHub;
}

/** Host keys signed by a throwaway hub key that no daemon can look up: for a fixed set of trusted records. */
export function makeHostKeys(hostIds: number[]): TestHostKeys {
	const hubPair = newKeyPair();
	const hub: HubPublicKeyRecord = {hub: 'embedded', publicKey: hubPair.publicKey};
	const hosts = hostIds.map(id => {
		const pair = newKeyPair();
		const unsigned = {kind: 'host' as const, id, publicKey: pair.publicKey};
		return {record: {...unsigned, hubSignature: signDetached(publicKeyStatement(unsigned), hubPair.secretKey)}, secretKey: pair.secretKey};
	});
	return {hub, hosts};
}

/**
 * A real embedded hub in `hubDirectory` (what `AMPZERO_HOME/hub` holds) with `count` hosts
 * registered in it: the daemons look these up by host id.
 */
export async function registerHostKeys(hubDirectory: string, count: number): Promise<TestHostKeys> {
	const directoryHub = new DirectoryHub(hubDirectory, 'embedded');
	const hub = await directoryHub.publicKey();
	const hosts: TestHostKeys['hosts'] = [];
	for (let index = 0; index < count; index++) hosts.push(await registerHost(directoryHub));
	return {hub, hosts, directoryHub};
}

export async function registerHost(directoryHub: DirectoryHub): Promise<TestHostKeys['hosts'][number]> {
	const pair = newKeyPair();
	const control = newKeyPair();
	const {id, hubSignature} = await directoryHub.register('host', pair.publicKey, control.publicKey);
	return {record: {kind: 'host', id, publicKey: pair.publicKey, hubSignature}, secretKey: pair.secretKey, controlSecretKey: control.secretKey};
}

/** Rotates a host's key at the hub (as `ampzero hub update` does); the old secret key is rotated away. */
export async function rotateHostKey(keys: TestHostKeys, host: TestHostKeys['hosts'][number]): Promise<TestHostKeys['hosts'][number]> {
	if (keys.directoryHub === undefined || host.controlSecretKey === undefined) throw new Error('only hosts of a real hub can rotate');
	const current = await keys.directoryHub.lookup('host', host.record.id);
	const pair = newKeyPair();
	const signature = signDetached(updateStatement('host', host.record.id, current.version, pair.publicKey), host.controlSecretKey);
	const {hubSignature} = await keys.directoryHub.update('host', host.record.id, pair.publicKey, signature);
	return {record: {...host.record, publicKey: pair.publicKey, hubSignature}, secretKey: pair.secretKey, controlSecretKey: host.controlSecretKey};
}

/** How an in-process daemon trusts these keys: looked up from the hub when it is a real one, else the fixed records. */
export function hostKeySource(keys: TestHostKeys, cacheMs?: number): HostKeySource {
	if (keys.directoryHub !== undefined) {
		return new HubHostKeys({hub: keys.directoryHub, hubKey: keys.hub, logger: silentLogger, ...(cacheMs !== undefined ? {cacheMs} : {})});
	}
	return new StaticHostKeys(keys.hosts.map(host => host.record), keys.hub, silentLogger);
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
