import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {AmpError} from '../errors.js';
import {writeFileAtomic} from '../system/atomic-write.js';
import {keyFileName, verifyPublicKey, type HubPublicKeyRecord} from './identity.js';
import {membersFileContent, membersFileName, parseMembersFile, signMembers, verifyMembers, type Member, type MembersFile} from './members.js';
import {hubPublicKeyFileName, readHubPublicKeyFile, readPrivateKeyFile, readPublicKeyFile, secretMatchesPublic} from './store.js';

/** What a members file needs to know of its instance. */
export interface MembershipOwner {
	/** The instance's name. */
	name: string;
	/** amprun.yaml `user_id`: whose key signs the members file. */
	userId: number;
}

/** The instance's members file, checked against the owner's key; undefined when there is none. */
export async function readMembers(instanceDirectory: string, owner: MembershipOwner): Promise<MembersFile | undefined> {
	const ampnode = path.join(instanceDirectory, 'ampnode');
	const file = path.join(ampnode, membersFileName);
	let text: string;
	try {
		text = await readFile(file, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		throw error;
	}
	const parsed = parseMembersFile(text);
	if ('problem' in parsed) throw new AmpError(`${file} is not a members file: ${parsed.problem}`);
	const ownerKey = await readOwnerKey(ampnode, owner.userId);
	checkMembers(parsed, owner, ownerKey, file);
	return parsed;
}

/** Throws an AmpError saying why `members` is not the valid members file of this instance. */
export function checkMembers(members: MembersFile, owner: MembershipOwner, ownerPublicKey: string, file: string): void {
	if (members.instance !== owner.name) throw new AmpError(`${file} is signed for instance "${members.instance}", not "${owner.name}"`);
	if (members.owner !== owner.userId) throw new AmpError(`${file} is signed by user-${members.owner}, not the owner user-${owner.userId} (amprun.yaml user_id)`);
	if (!verifyMembers(members, ownerPublicKey)) throw new AmpError(`${file} is not signed by the owner's key (${keyFileName('user', owner.userId, 'public')}); it was altered by hand`);
}

/** The owner's public key from `user-ID.public.key`, after checking the hub's signature over it. */
async function readOwnerKey(ampnodeDirectory: string, userId: number, hubKey?: HubPublicKeyRecord): Promise<string> {
	const file = path.join(ampnodeDirectory, keyFileName('user', userId, 'public'));
	const record = await readPublicKeyFile(file);
	const hub = hubKey ?? (await readHubPublicKeyFile(path.join(ampnodeDirectory, hubPublicKeyFileName)));
	if (record.kind !== 'user' || record.id !== userId || !verifyPublicKey(record, hub)) {
		throw new AmpError(`${file} is not user-${userId}'s key signed by the instance's hub (${hubPublicKeyFileName})`);
	}
	return record.publicKey;
}

/**
 * Writes the members file with `change` applied to the current members (none when there is no
 * file), signed with the owner's private key. Returns the file written, or undefined when the
 * change leaves the members as they were (nothing is written then).
 */
export async function changeMembers(instanceDirectory: string, owner: MembershipOwner, change: (members: Member[]) => Member[]): Promise<MembersFile | undefined> {
	const current = await readMembers(instanceDirectory, owner);
	const before = current?.members ?? [];
	const after = change(before.map(member => ({...member})));
	if (current !== undefined && sameMembers(before, after)) return undefined;
	return writeMembers(instanceDirectory, owner, after);
}

/** Signs `members` with the owner's private key (as it is now) and writes the members file. */
export async function writeMembers(instanceDirectory: string, owner: MembershipOwner, members: Member[]): Promise<MembersFile> {
	const ampnode = path.join(instanceDirectory, 'ampnode');
	const privateFile = path.join(ampnode, keyFileName('user', owner.userId, 'private'));
	const {secretKey} = await readPrivateKeyFile(privateFile).catch(error => {
		throw new AmpError(`the members file is signed with the owner's key, and ${privateFile} cannot be read (${(error as Error).message}); change the members on the machine that holds it`);
	});
	const ownerKey = await readOwnerKey(ampnode, owner.userId);
	if (!secretMatchesPublic(secretKey, ownerKey)) throw new AmpError(`${privateFile} does not belong to the owner's public key`);
	const signed = signMembers({instance: owner.name, owner: owner.userId, signedAt: new Date().toISOString(), members}, secretKey);
	await writeFileAtomic(path.join(ampnode, membersFileName), membersFileContent(signed));
	return signed;
}

/** `members` with `hostId` in it (its name updated when given). */
export function withMember(members: Member[], hostId: number, name: string): Member[] {
	const rest = members.filter(member => member.hostId !== hostId);
	return [...rest, {hostId, name}];
}

function sameMembers(a: Member[], b: Member[]): boolean {
	const key = (members: Member[]): string => JSON.stringify([...members].sort((x, y) => x.hostId - y.hostId));
	return key(a) === key(b);
}

/**
 * What init does: makes the members file with the instance's own host if there is none, or adds
 * that host to it when it is missing (`init --clobber`); a file that does not verify is an error.
 * Returns whether the file was written.
 */
export async function ensureHostIsMember(instanceDirectory: string, owner: MembershipOwner, hostId: number, name: string): Promise<boolean> {
	const written = await changeMembers(instanceDirectory, owner, members => (members.some(member => member.hostId === hostId) ? members : withMember(members, hostId, name)));
	return written !== undefined;
}
