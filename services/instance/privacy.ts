import {chmod, lstat, mkdir, readdir, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {secretFileMode} from '../system/atomic-write.js';

/** Mode of the instance directory and its `.git`: only the owner may list or enter them. */
export const privateDirectoryMode = 0o700;

/** The files of an instance, relative to it, that hold a secret (the redis password, private and control keys, the TLS keys and the CA key). */
async function secretFiles(instanceDirectory: string): Promise<string[]> {
	const ampnode = await readdir(path.join(instanceDirectory, 'ampnode')).catch(() => [] as string[]);
	const keys = ampnode.filter(name => /\.(private|control)\.key$/.test(name)).map(name => `ampnode/${name}`);
	const hostTls = await readdir(path.join(instanceDirectory, 'tls', 'hosts')).catch(() => [] as string[]);
	const tlsKeys = hostTls.filter(name => name.endsWith('.key')).map(name => `tls/hosts/${name}`);
	return ['amprun.yaml', 'ampnode/redis.conf', 'nginx/server.key', 'tls/ca.key', ...keys, ...tlsKeys];
}

/**
 * A hook git runs after every checkout (a branch, a commit, or single files): git writes work-tree files
 * with the user's umask, so the secrets it restores are made owner-only again.
 */
const postCheckoutHook = `#!/bin/sh
# Written by ampzero: files git checks out get the umask's mode; the instance's secrets stay owner-only.
cd "$(git rev-parse --show-toplevel)" || exit 0
for file in amprun.yaml ampnode/redis.conf nginx/server.key tls/ca.key tls/hosts/*.key ampnode/*.private.key ampnode/*.control.key; do
	[ -f "$file" ] && chmod go-rwx "$file"
done
exit 0
`;

/**
 * Makes an instance private to its owner: the directory and its git directory 0700, every secret file
 * 0600, git told to write its objects owner-only (core.sharedRepository=0600), and a post-checkout hook
 * that keeps checked-out secrets owner-only.
 */
export async function makeInstancePrivate(instanceDirectory: string, options: {git: boolean}): Promise<void> {
	await chmod(instanceDirectory, privateDirectoryMode);
	for (const file of await secretFiles(instanceDirectory)) {
		await chmod(path.join(instanceDirectory, file), secretFileMode).catch((error: NodeJS.ErrnoException) => {
			if (error.code !== 'ENOENT') throw error;
		});
	}
	if (!options.git) return;
	const gitDirectory = path.join(instanceDirectory, '.git');
	await chmod(gitDirectory, privateDirectoryMode);
	// A repository made before (or opened up since) keeps no group or other access anywhere.
	for (const entry of await readdir(gitDirectory, {recursive: true, withFileTypes: true})) {
		if (entry.isSymbolicLink()) continue;
		const file = path.join(entry.parentPath, entry.name);
		const {mode} = await lstat(file);
		if (mode & 0o077) await chmod(file, mode & 0o700);
	}
	await mkdir(path.join(gitDirectory, 'hooks'), {recursive: true});
	await writeFile(path.join(gitDirectory, 'hooks', 'post-checkout'), postCheckoutHook, {mode: 0o700});
	await chmod(path.join(gitDirectory, 'hooks', 'post-checkout'), 0o700);
}
