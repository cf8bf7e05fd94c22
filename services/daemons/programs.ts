import {accessSync, constants} from 'node:fs';
import path from 'node:path';
import {AmpError} from '../errors.js';

/** The Debian programs an instance runs, and the package that installs each. */
const debianPrograms = {
	etcd: 'etcd-server',
	'redis-server': 'redis-server',
	nginx: 'nginx',
} as const;

export type DebianProgram = keyof typeof debianPrograms;

// nginx lives in /usr/sbin, which is not on every user's PATH.
const extraDirectories = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];

function defaultDirectories(): string[] {
	return [...(process.env['PATH'] ?? '').split(path.delimiter).filter(Boolean), ...extraDirectories];
}

/** The absolute path of `program`, or an AmpError saying which package to install. */
export function findProgram(program: DebianProgram, directories = defaultDirectories()): string {
	for (const directory of directories) {
		const candidate = path.join(directory, program);
		try {
			accessSync(candidate, constants.X_OK);
			return candidate;
		} catch {
			// not here; keep looking
		}
	}
	throw new AmpError(`${program} is not installed: install it with \`sudo apt-get install -y ${debianPrograms[program]}\``);
}
