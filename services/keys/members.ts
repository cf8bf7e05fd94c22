import {signDetached, verifyDetached} from './identity.js';

/*
 * `ampnode/members.json`: the hosts an instance admits to its zerodata, logstore and keyspace,
 * signed by the instance owner's user key (the one init made, `user-ID.private.key`). A hub
 * signature says who a host is; only this file says that it belongs here. Hosts are named by id:
 * which key a host id holds stays the hub's business, so a key rotated at the hub needs no new
 * members file, and a key rotated away stops working there.
 */

export const membersFileName = 'members.json';

export interface Member {
	hostId: number;
	/** A name for people reading the file (`alpha`, `laptop`); not trusted for anything. */
	name: string;
}

export interface MembersFile {
	/** The instance's name: a members file signed for one instance is refused by another. */
	instance: string;
	/** The user id of the owner whose key signed it (amprun.yaml `user_id`). */
	owner: number;
	signedAt: string;
	members: Member[];
	/** Ed25519, by the owner's user key, over `membersStatement`. */
	signature: string;
}

const memberNamePattern = /^[A-Za-z0-9._@-]{0,64}$/;

/** Why `name` cannot be a member's name, or undefined. */
export function memberNameProblem(name: string): string | undefined {
	return memberNamePattern.test(name) ? undefined : `a member's name has at most 64 letters, digits and . _ @ -, not "${name}"`;
}

/** The exact text the owner signs: every field, one per line, members in id order. */
function membersStatement(file: Omit<MembersFile, 'signature'>): string {
	const members = [...file.members].sort((a, b) => a.hostId - b.hostId).map(member => `host-${member.hostId} ${member.name}`);
	return ['ampzero-members:v1', file.instance, `user-${file.owner}`, file.signedAt, ...members].join('\n');
}

export function signMembers(unsigned: Omit<MembersFile, 'signature'>, ownerSecretKey: string): MembersFile {
	const members = [...unsigned.members].sort((a, b) => a.hostId - b.hostId);
	const ordered = {...unsigned, members};
	return {...ordered, signature: signDetached(membersStatement(ordered), ownerSecretKey)};
}

export function verifyMembers(file: MembersFile, ownerPublicKey: string): boolean {
	return verifyDetached(membersStatement(file), file.signature, ownerPublicKey);
}

export function membersFileContent(file: MembersFile): string {
	return `${JSON.stringify(file, null, '\t')}\n`;
}

/** The members file in `text`, or why it is not one (its shape only; the signature is checked apart). */
export function parseMembersFile(text: string): MembersFile | {problem: string} {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (error) {
		return {problem: `not JSON (${(error as Error).message})`};
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return {problem: 'not a JSON object'};
	const record = value as Record<string, unknown>;
	const {instance, owner, signedAt, members, signature} = record;
	if (typeof instance !== 'string' || instance === '') return {problem: '"instance" must be the instance name'};
	if (typeof owner !== 'number' || !Number.isSafeInteger(owner) || owner < 1) return {problem: '"owner" must be the owner\'s user id'};
	if (typeof signedAt !== 'string') return {problem: '"signedAt" must be an ISO time'};
	if (typeof signature !== 'string') return {problem: '"signature" is missing'};
	if (!Array.isArray(members)) return {problem: '"members" must be a list of {hostId, name}'};
	const checked: Member[] = [];
	for (const [index, entry] of members.entries()) {
		const member = entry as Partial<Member> | null;
		if (typeof member?.hostId !== 'number' || !Number.isSafeInteger(member.hostId) || member.hostId < 1) return {problem: `members[${index}].hostId must be a host id`};
		const name = member.name ?? '';
		if (typeof name !== 'string' || memberNameProblem(name) !== undefined) return {problem: `members[${index}].name: ${memberNameProblem(String(name))}`};
		checked.push({hostId: member.hostId, name});
	}
	return {instance, owner, signedAt, members: checked, signature};
}
