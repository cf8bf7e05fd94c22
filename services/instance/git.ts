import {AmpError} from '../errors.js';
import {runProgram} from '../system/run-program.js';

export interface GitIdentity {
	name: string;
	email: string;
}

/** git with the user's identity for this one command, signing and hooks off, and no GIT_DIR from the caller's environment. */
function git(directory: string, identity: GitIdentity, args: string[], signal?: AbortSignal): Promise<string> {
	const env = {...process.env};
	for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY']) delete env[name];
	const settings = [
		'-c', `user.name=${identity.name}`, '-c', `user.email=${identity.email}`,
		'-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', '-c', 'core.hooksPath=/dev/null',
	];
	return runProgram('git', [...settings, ...args], {cwd: directory, env, signal});
}

/** `git init` and one commit of everything not ignored. Returns the short commit id. */
export async function initRepository(directory: string, identity: GitIdentity, message: string, signal?: AbortSignal): Promise<string> {
	// Objects, refs and the index owner-only (git adds x for directories), whatever the umask.
	await git(directory, identity, ['init', '-q', '--shared=0600'], signal);
	await git(directory, identity, ['add', '-A'], signal);
	await git(directory, identity, ['commit', '-q', '-m', message], signal);
	return (await git(directory, identity, ['rev-parse', '--short', 'HEAD'], signal)).trim();
}

/** Commits the changes to `paths` (only those); returns the short commit id, or null when nothing changed. */
export async function commitPaths(directory: string, identity: GitIdentity, paths: string[], message: string, signal?: AbortSignal): Promise<string | null> {
	await git(directory, identity, ['config', 'core.sharedRepository', '0600'], signal);
	await git(directory, identity, ['add', '-A', '--', ...paths], signal);
	const staged = (await git(directory, identity, ['diff', '--cached', '--name-only', '--', ...paths], signal)).trim();
	if (staged === '') return null;
	await git(directory, identity, ['commit', '-q', '-m', message, '--', ...paths], signal);
	return (await git(directory, identity, ['rev-parse', '--short', 'HEAD'], signal)).trim();
}

/**
 * Takes `files` out of the repository (not off the disk) in a commit of their own: for files that
 * became ignored, such as the user's private key. Null when none of them was tracked, else the commit and
 * the files it took out. Refuses while other changes are staged, since the commit would carry them too.
 */
export async function untrackFiles(directory: string, identity: GitIdentity, files: string[], message: string, signal?: AbortSignal): Promise<{commit: string; files: string[]} | null> {
	const tracked = (await git(directory, identity, ['ls-files', '--', ...files], signal)).trim();
	if (tracked === '') return null;
	const staged = (await git(directory, identity, ['diff', '--cached', '--name-only'], signal)).trim();
	if (staged !== '') throw new AmpError(`${directory} has staged changes (${staged.split('\n').join(', ')}); commit or unstage them, then run this again to take ${tracked.split('\n').join(', ')} out of the repository`);
	const taken = tracked.split('\n');
	await git(directory, identity, ['rm', '--cached', '-q', '--', ...taken], signal);
	await git(directory, identity, ['commit', '-q', '-m', message], signal);
	return {commit: (await git(directory, identity, ['rev-parse', '--short', 'HEAD'], signal)).trim(), files: taken};
}
