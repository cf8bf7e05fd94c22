import {readFileSync} from 'node:fs';
import path from 'node:path';
import {errorMessage} from '../../../services/errors.js';
import {keyFileName, verifyPublicKey, type PublicKeyRecord} from '../../../services/keys/identity.js';
import {checkMembers, type MembershipOwner} from '../../../services/keys/membership.js';
import {membersFileName, parseMembersFile} from '../../../services/keys/members.js';
import {fileStamp} from './host-keys.js';
import {readInstanceHubKey} from './instance-hub-key.js';
import type {Logger} from './logger.js';

/** Whether a host may use this daemon, or why not. */
export type MembershipAnswer = {member: true} | {member: false; refused: string};

/** Who belongs to the instance: asked for every signed request, before anything else costs. */
export interface MembershipSource {
	check(hostId: number): MembershipAnswer;
	/** How many members there are now (for /health). */
	readonly count: number;
}

/** A fixed set of members (a daemon started in-process, the benchmark). */
export class FixedMembers implements MembershipSource {
	private readonly members: Set<number>;

	constructor(hostIds: Iterable<number>) {
		this.members = new Set(hostIds);
	}

	get count(): number {
		return this.members.size;
	}

	check(hostId: number): MembershipAnswer {
		return this.members.has(hostId) ? {member: true} : {member: false, refused: `host ${hostId} is not a member of this instance`};
	}
}

export interface InstanceMembershipOptions {
	instanceDirectory: string;
	owner: MembershipOwner;
	logger: Logger;
	/** How often, at most, the files are looked at again (default 1 s): a change takes effect within this long. */
	recheckMs?: number;
	now?: () => number;
}

/**
 * The instance's `ampnode/members.json`, checked against the owner's key (`user-ID.public.key`,
 * itself signed by the instance's hub). The files are looked at again at most once per `recheckMs`
 * (one stat each) and read again when they changed, so adding or removing a member needs no
 * restart. A members file that is missing, altered or signed by anyone else admits nobody.
 */
export class InstanceMembership implements MembershipSource {
	private readonly membersFile: string;
	private readonly ownerFile: string;
	private readonly recheckMs: number;
	private readonly now: () => number;
	private members = new Set<number>();
	private problem: string | undefined = 'not read yet';
	private seen = '';
	private checkedAt = Number.NEGATIVE_INFINITY;

	constructor(private readonly options: InstanceMembershipOptions) {
		const ampnode = path.join(options.instanceDirectory, 'ampnode');
		this.membersFile = path.join(ampnode, membersFileName);
		this.ownerFile = path.join(ampnode, keyFileName('user', options.owner.userId, 'public'));
		this.recheckMs = options.recheckMs ?? 1_000;
		this.now = options.now ?? Date.now;
		this.refresh();
	}

	get count(): number {
		return this.members.size;
	}

	check(hostId: number): MembershipAnswer {
		const now = this.now();
		if (now - this.checkedAt >= this.recheckMs) {
			this.checkedAt = now;
			this.refresh();
		}
		if (this.problem !== undefined) return {member: false, refused: `this instance admits nobody until its members file is fixed: ${this.problem}`};
		if (this.members.has(hostId)) return {member: true};
		return {
			member: false,
			refused: `host ${hostId} is not a member of instance "${this.options.owner.name}" (ampnode/${membersFileName}); its owner adds it with \`ampzero members ${this.options.owner.name} add ${hostId}\``,
		};
	}

	private refresh(): void {
		const stamp = [this.membersFile, this.ownerFile].map(fileStamp).join('|');
		if (stamp === this.seen) return;
		this.seen = stamp;
		try {
			const parsed = parseMembersFile(readFileSync(this.membersFile, 'utf8'));
			if ('problem' in parsed) throw new Error(`${this.membersFile} is not a members file: ${parsed.problem}`);
			checkMembers(parsed, this.options.owner, this.ownerKey(), this.membersFile);
			this.members = new Set(parsed.members.map(member => member.hostId));
			if (this.problem !== undefined || this.checkedAt !== Number.NEGATIVE_INFINITY) {
				this.options.logger.info(`members: ${parsed.members.map(member => `host-${member.hostId}${member.name ? ` (${member.name})` : ''}`).join(', ') || 'none'} (signed ${parsed.signedAt})`);
			}
			this.problem = undefined;
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			this.problem = code === 'ENOENT' && !exists(this.membersFile) ? `${this.membersFile} is missing (\`ampzero init NAME --clobber\` makes it)` : errorMessage(error);
			this.members = new Set();
			this.options.logger.error(`members: ${this.problem}; every signed request is refused`);
		}
	}

	private ownerKey(): string {
		const record = JSON.parse(readFileSync(this.ownerFile, 'utf8')) as PublicKeyRecord;
		const hub = readInstanceHubKey(this.options.instanceDirectory);
		if (record.kind !== 'user' || record.id !== this.options.owner.userId || !verifyPublicKey(record, hub)) {
			throw new Error(`${this.ownerFile} is not the owner's key signed by the instance's hub`);
		}
		return record.publicKey;
	}
}

function exists(file: string): boolean {
	return fileStamp(file) !== 'missing';
}
