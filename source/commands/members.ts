import {rm} from 'node:fs/promises';
import path from 'node:path';
import {loadInstanceConfig} from '../../services/config/amprun.js';
import {AmpError, UsageError} from '../../services/errors.js';
import {openHub} from '../../services/hub/open.js';
import {HubRefusal} from '../../services/hub/types.js';
import {writeFileAtomic} from '../../services/system/atomic-write.js';
import {keyFileName, verifyPublicKey, type PublicKeyRecord} from '../../services/keys/identity.js';
import {memberNameProblem, membersFileName, type Member} from '../../services/keys/members.js';
import {changeMembers, readMembers, withMember} from '../../services/keys/membership.js';
import {hubPublicKeyFileName, keyFileContent, readHubPublicKeyFile} from '../../services/keys/store.js';
import {commitPaths} from '../../services/instance/git.js';
import {resolveInstanceDirectory} from '../../services/instance/locate.js';
import {createBatchOutput} from '../output.js';

/** `ampzero members NAME [list | add HOST-ID [--name NAME] | remove HOST-ID]`. */
export async function membersCommand(name: string, action: string | undefined, hostIdText: string | undefined, options: Record<string, unknown>): Promise<number> {
	const verb = action ?? 'list';
	if (!['list', 'add', 'remove'].includes(verb)) throw new UsageError(`ACTION must be list, add or remove, not "${verb}"`);
	if (verb !== 'list' && (hostIdText === undefined || !/^[1-9]\d{0,15}$/.test(hostIdText))) {
		throw new UsageError(`${verb} needs a HOST-ID: the host's id, as in host-ID.public.key (a whole number from 1)`);
	}
	const memberName = typeof options['name'] === 'string' ? options['name'] : '';
	const problem = memberNameProblem(memberName);
	if (problem !== undefined) throw new UsageError(`--name: ${problem}`);
	const directory = resolveInstanceDirectory(name);
	const config = await loadInstanceConfig(directory);
	const owner = {name: config.name, userId: config.userId};
	const output = createBatchOutput({json: Boolean(options['json'])});
	const file = `ampnode/${membersFileName}`;

	if (verb === 'list') {
		const members = await readMembers(directory, owner);
		if (members === undefined) throw new AmpError(`${path.join(directory, file)} is missing; \`ampzero init ${name} --clobber\` makes it`);
		for (const member of members.members) {
			output.event({type: 'member', hostId: member.hostId, name: member.name, own: member.hostId === config.hostId}, `host-${member.hostId}${member.name ? ` ${member.name}` : ''}${member.hostId === config.hostId ? ' (this instance\'s host key)' : ''}`);
		}
		output.line(`${members.members.length} member${members.members.length === 1 ? '' : 's'}, signed by user-${members.owner} at ${members.signedAt}`);
		return 0;
	}

	const hostId = Number(hostIdText);
	const keyFile = `ampnode/${keyFileName('host', hostId, 'public')}`;
	let change: (members: Member[]) => Member[];
	if (verb === 'add') {
		const record = await checkHostAtHub(directory, config.hub, hostId);
		// The key record beside the members file: where daemons on the embedded hub find the key, and what deploy ships.
		if (hostId !== config.hostId) await writeFileAtomic(path.join(directory, keyFile), keyFileContent(record));
		change = members => withMember(members, hostId, memberName);
	} else {
		if (hostId === config.hostId) {
			throw new AmpError(`host-${hostId} is this instance's own host key (amprun.yaml host_id): removing it would lock out the instance's own ampnodes`);
		}
		change = members => {
			if (!members.some(member => member.hostId === hostId)) throw new AmpError(`host-${hostId} is not a member of ${config.name}`);
			return members.filter(member => member.hostId !== hostId);
		};
	}
	const written = await changeMembers(directory, owner, change);
	if (verb === 'remove') await rm(path.join(directory, keyFile), {force: true});
	const paths = hostId === config.hostId ? [file] : [file, keyFile];
	const commit = written === undefined ? null : await commitPaths(directory, {name: config.userName, email: config.userEmail}, paths, `${verb === 'add' ? 'Add' : 'Remove'} member host-${hostId}`);
	const did = verb === 'add' ? `host-${hostId} is a member of ${config.name}` : `host-${hostId} is no longer a member of ${config.name}`;
	output.event(
		{type: verb === 'add' ? 'member-added' : 'member-removed', hostId, name: memberName, changed: written !== undefined, commit},
		`✓ ${did}${written === undefined ? ' (it already was; nothing changed)' : `: ${file} signed with user-${config.userId}'s key${commit ? `, committed ${commit}` : ''}`}`,
	);
	if (written !== undefined) output.line(`zerodata and logstore of this machine follow within a second; \`ampzero deploy ${name}\` ships it to the other hosts`);
	return 0;
}

/** A host to add must be one the instance's hub signed: a typo should not become a member. Returns its key record. */
async function checkHostAtHub(directory: string, location: string, hostId: number): Promise<PublicKeyRecord> {
	const hubKey = await readHubPublicKeyFile(path.join(directory, 'ampnode', hubPublicKeyFileName));
	let record;
	try {
		record = await openHub(location).lookup('host', hostId);
	} catch (error) {
		if (error instanceof HubRefusal && error.status === 404) throw new AmpError(`the instance's hub (${location}) knows no host-${hostId}; check the id in that host's host-ID.public.key`);
		throw error;
	}
	if (record.kind !== 'host' || record.id !== hostId || !verifyPublicKey(record, hubKey)) {
		throw new AmpError(`the hub answered a record for host-${hostId} that its key (${hubPublicKeyFileName}) did not sign; nothing was changed`);
	}
	return {kind: 'host', id: hostId, publicKey: record.publicKey, hubSignature: record.hubSignature};
}
