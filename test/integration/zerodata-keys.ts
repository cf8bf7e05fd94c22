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
import {membersFileContent, membersFileName, signMembers} from '../../services/keys/members.js';
import {HubHostKeys, StaticHostKeys, type HostKeySource} from '../../source/daemons/shared/host-keys.js';
import {FixedMembers} from '../../source/daemons/shared/membership.js';
import {silentLogger} from '../../source/daemons/shared/logger.js';

/** A hub, host keys it signed and an instance owner's user key, as the tests of zerodata and logstore need them. */
export interface TestHostKeys {
	hub: HubPublicKeyRecord;
	hosts: Array<{record: PublicKeyRecord; secretKey: string; controlSecretKey?: string}>;
	/** The instance owner: the user key that signs the members file. */
	owner: {record: PublicKeyRecord; secretKey: string};
	/** Set when the hub is a real one (a DirectoryHub) that the daemons look keys up from. */
	directoryHub?: DirectoryHub;
}

/** Host keys signed by a throwaway hub key that no daemon can look up: for a fixed set of trusted records. */
export function makeHostKeys(hostIds: number[]): TestHostKeys {
	const hubPair = newKeyPair();
	const hub: HubPublicKeyRecord = {hub: 'embedded', publicKey: hubPair.publicKey};
	const signed = (kind: 'host' | 'user', id: number) => {
		const pair = newKeyPair();
		const unsigned = {kind, id, publicKey: pair.publicKey};
		return {record: {...unsigned, hubSignature: signDetached(publicKeyStatement(unsigned), hubPair.secretKey)}, secretKey: pair.secretKey};
	};
	return {hub, hosts: hostIds.map(id => signed('host', id)), owner: signed('user', 1)};
}

/**
 * A real embedded hub in `hubDirectory` (what `AMPZERO_HOME/hub` holds) with `count` hosts
 * registered in it: the daemons look these up by host id.
 */
export async function registerHostKeys(hubDirectory: string, count: number): Promise<TestHostKeys> {
	const directoryHub = new DirectoryHub(hubDirectory, 'embedded');
	const hub = await directoryHub.publicKey();
	const ownerPair = newKeyPair();
	const registered = await directoryHub.register('user', ownerPair.publicKey, newKeyPair().publicKey);
	const owner = {record: {kind: 'user' as const, id: registered.id, publicKey: ownerPair.publicKey, hubSignature: registered.hubSignature}, secretKey: ownerPair.secretKey};
	const hosts: TestHostKeys['hosts'] = [];
	for (let index = 0; index < count; index++) hosts.push(await registerHost(directoryHub));
	return {hub, hosts, owner, directoryHub};
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

/** The hosts of `keys` (all of them unless `hostIds` says which) as the members of an in-process daemon. */
export function membersOf(keys: TestHostKeys, hostIds = keys.hosts.map(host => host.record.id)): FixedMembers {
	return new FixedMembers(hostIds);
}

/**
 * Writes what init writes into an instance's `ampnode/`: `hub.public.key`, the host keys'
 * public halves, the owner's user key and `members.json` signed by it, listing `members`
 * (every host of `keys` unless told otherwise) for the instance `instance`.
 */
export function writeHostKeys(instanceDirectory: string, keys: TestHostKeys, instance = 'test-instance', members = keys.hosts.map(host => host.record.id)): void {
	const directory = path.join(instanceDirectory, 'ampnode');
	mkdirSync(directory, {recursive: true});
	writeFileSync(path.join(directory, 'hub.public.key'), JSON.stringify(keys.hub, null, '\t'));
	for (const host of keys.hosts) {
		writeFileSync(path.join(directory, keyFileName('host', host.record.id, 'public')), JSON.stringify(host.record, null, '\t'));
	}
	const {record, secretKey} = keys.owner;
	writeFileSync(path.join(directory, keyFileName('user', record.id, 'public')), JSON.stringify(record, null, '\t'));
	writeFileSync(path.join(directory, keyFileName('user', record.id, 'private')), JSON.stringify({kind: 'user', id: record.id, secretKey}, null, '\t'), {mode: 0o600});
	writeTestMembers(instanceDirectory, keys, instance, members);
}

/** Signs and writes `ampnode/members.json` with the owner key of `keys`, as `ampzero members` does. */
export function writeTestMembers(instanceDirectory: string, keys: TestHostKeys, instance: string, members: number[]): void {
	const signed = signMembers({instance, owner: keys.owner.record.id, signedAt: new Date().toISOString(), members: members.map(hostId => ({hostId, name: `host-${hostId}`}))}, keys.owner.secretKey);
	writeFileSync(path.join(instanceDirectory, 'ampnode', membersFileName), membersFileContent(signed));
}

/** Writes a host's public key record into the instance's `ampnode/`, as `ampzero members add` and `hub update` do. */
export function writeHostKeyRecord(instanceDirectory: string, host: TestHostKeys['hosts'][number]): void {
	writeFileSync(path.join(instanceDirectory, 'ampnode', keyFileName('host', host.record.id, 'public')), JSON.stringify(host.record, null, '\t'));
}
