import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {keyFileName, newKeyPair, publicKeyStatement, signDetached} from '../../services/keys/identity.js';
import {membersFileName} from '../../services/keys/members.js';
import {changeMembers, ensureHostIsMember, readMembers, withMember} from '../../services/keys/membership.js';
import {keyFileContent} from '../../services/keys/store.js';
import {silentLogger} from '../../source/daemons/shared/logger.js';
import {InstanceMembership} from '../../source/daemons/shared/membership.js';

let instance: string;
const owner = {name: 'site', userId: 4};

/** An instance's ampnode/ with a hub key and the owner's user key, signed by that hub. */
function makeOwnerKeys(directory: string, userId = owner.userId): string {
	const ampnode = path.join(directory, 'ampnode');
	mkdirSync(ampnode, {recursive: true});
	const hub = newKeyPair();
	const user = newKeyPair();
	writeFileSync(path.join(ampnode, 'hub.public.key'), keyFileContent({hub: 'embedded', publicKey: hub.publicKey}));
	const unsigned = {kind: 'user' as const, id: userId, publicKey: user.publicKey};
	writeFileSync(path.join(ampnode, keyFileName('user', userId, 'public')), keyFileContent({...unsigned, hubSignature: signDetached(publicKeyStatement(unsigned), hub.secretKey)}));
	writeFileSync(path.join(ampnode, keyFileName('user', userId, 'private')), keyFileContent({kind: 'user', id: userId, secretKey: user.secretKey}));
	return user.secretKey;
}

beforeEach(() => {
	instance = mkdtempSync(path.join(tmpdir(), 'ampzero-members-'));
	makeOwnerKeys(instance);
});
afterEach(() => rmSync(instance, {recursive: true, force: true}));

describe('the members file', () => {
	it('is made with the own host, signed by the owner, and changed only through the owner key', async () => {
		expect(await ensureHostIsMember(instance, owner, 7, 'alpha')).toBe(true);
		expect(await ensureHostIsMember(instance, owner, 7, 'alpha')).toBe(false);
		await changeMembers(instance, owner, members => withMember(members, 9, 'beta'));
		const members = await readMembers(instance, owner);
		expect(members?.members).toEqual([
			{hostId: 7, name: 'alpha'},
			{hostId: 9, name: 'beta'},
		]);
		// Another instance with the same owner refuses it: the instance name is signed.
		await expect(readMembers(instance, {...owner, name: 'other'})).rejects.toThrow(/is signed for instance "site", not "other"/);
		// An edit by hand breaks the signature.
		const file = path.join(instance, 'ampnode', membersFileName);
		writeFileSync(file, readFileSync(file, 'utf8').replace('"hostId": 9', '"hostId": 10'));
		await expect(readMembers(instance, owner)).rejects.toThrow(/is not signed by the owner's key/);
	});

	it('is followed by the daemons without a restart: an added host is admitted, a removed one refused, a forged file admits nobody', async () => {
		await ensureHostIsMember(instance, owner, 7, 'alpha');
		let now = 0;
		const membership = new InstanceMembership({instanceDirectory: instance, owner, logger: silentLogger, recheckMs: 1_000, now: () => now});
		expect(membership.check(7)).toEqual({member: true});
		expect(membership.check(9)).toEqual({member: false, refused: 'host 9 is not a member of instance "site" (ampnode/members.json); its owner adds it with `ampzero members site add 9`'});

		await changeMembers(instance, owner, members => withMember(members, 9, 'beta'));
		// Looked at again at most once per recheckMs.
		expect(membership.check(9).member).toBe(false);
		now = 1_000;
		expect(membership.check(9)).toEqual({member: true});

		await changeMembers(instance, owner, members => members.filter(member => member.hostId !== 9));
		now = 2_000;
		expect(membership.check(9).member).toBe(false);

		// A members file signed by another user key (here: the owner's key file replaced too, without the hub's signature) admits nobody.
		const stranger = mkdtempSync(path.join(tmpdir(), 'ampzero-members-stranger-'));
		try {
			makeOwnerKeys(stranger);
			await ensureHostIsMember(stranger, owner, 66, 'mallory');
			writeFileSync(path.join(instance, 'ampnode', membersFileName), readFileSync(path.join(stranger, 'ampnode', membersFileName)));
		} finally {
			rmSync(stranger, {recursive: true, force: true});
		}
		now = 3_000;
		expect(membership.check(66)).toEqual({member: false, refused: expect.stringMatching(/^this instance admits nobody until its members file is fixed: .*is not signed by the owner's key/) as unknown});
		expect(membership.check(7).member).toBe(false);
	});

	it('is missing: nobody is admitted, and the refusal says how to make it', () => {
		const membership = new InstanceMembership({instanceDirectory: instance, owner, logger: silentLogger});
		expect(membership.check(7)).toEqual({member: false, refused: expect.stringMatching(/members\.json is missing \(`ampzero init NAME --clobber` makes it\)/) as unknown});
	});
});
