import {readFileSync} from 'node:fs';

/** The unprivileged account the daemons run as when ampzero runs as root. */
export interface DaemonUser {
	name: string;
	uid: number;
	group: string;
	gid: number;
}

/** The dedicated system user `bin/setup` creates; `nobody` where it does not exist. */
const daemonUserNames = ['ampzero', 'nobody'] as const;

/**
 * Who the daemons run as: undefined when ampzero itself is not root (they run as this user, as
 * before); when root, the first of `daemonUserNames` that exists, from /etc/passwd and /etc/group.
 */
export function daemonUser(uid = process.getuid?.()): DaemonUser | undefined {
	if (uid !== 0) return undefined;
	const passwd = readTable('/etc/passwd');
	const groups = readTable('/etc/group');
	for (const name of daemonUserNames) {
		const entry = passwd.find(fields => fields[0] === name);
		if (!entry) continue;
		const gid = Number(entry[3]);
		const group = groups.find(fields => Number(fields[2]) === gid)?.[0] ?? String(gid);
		return {name, uid: Number(entry[2]), group, gid};
	}
	throw new Error(`run as root, ampzero runs its daemons as an unprivileged user, but neither ${daemonUserNames.join(' nor ')} exists; run \`npm run setup\` to create "ampzero"`);
}

function readTable(file: string): string[][] {
	return readFileSync(file, 'utf8')
		.split('\n')
		.filter(line => line !== '' && !line.startsWith('#'))
		.map(line => line.split(':'));
}
