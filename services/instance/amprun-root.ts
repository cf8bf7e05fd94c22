import {constants} from 'node:fs';
import {access} from 'node:fs/promises';
import os from 'node:os';
import {AmpError, errorMessage} from '../errors.js';
import {makeDirectories} from '../files/make-directories.js';
import {ProgramFailedError, runProgram} from '../system/run-program.js';
import type {AmprunRootProblem} from './types.js';

/**
 * Makes sure the amprun root exists and this user can write to it, creating it if missing.
 * When it cannot, says why and which `sudo` commands would fix it; null when all is well.
 */
export async function checkAmprunRoot(directory: string): Promise<AmprunRootProblem | null> {
	try {
		await makeDirectories(directory);
		await access(directory, constants.W_OK | constants.X_OK);
		return null;
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		const why =
			code === 'EACCES' || code === 'EPERM'
				? `${directory} cannot be created or written by ${currentUser()}`
				: code === 'ENOTDIR' || code === 'EEXIST'
					? `${directory} is not a directory`
					: code === 'ENOENT'
						? `${directory} cannot be created there (is it on a virtual file system such as /proc?)`
						: `${directory} cannot be used: ${errorMessage(error)}`;
		return {path: directory, why, sudoCommands: sudoCommandsFor(directory)};
	}
}

function sudoCommandsFor(directory: string): string[] {
	return [`sudo mkdir -p ${shellQuote(directory)} && sudo chown ${shellQuote(currentUser())} ${shellQuote(directory)}`];
}

/** Runs the commands one after another (sudo asks for a password on the terminal itself); stops at the first failure. */
export async function runSudoCommands(commands: string[]): Promise<void> {
	for (const command of commands) {
		try {
			await runProgram('sh', ['-c', command], {stdio: 'inherit'});
		} catch (error) {
			if (!(error instanceof ProgramFailedError)) throw error;
			throw new AmpError(`\`${command}\` failed (${error.how}); run it yourself, then try again`, 1, error.details);
		}
	}
}

function currentUser(): string {
	try {
		return os.userInfo().username;
	} catch {
		return process.env['USER'] ?? 'root';
	}
}

function shellQuote(text: string): string {
	return /^[A-Za-z0-9_./@:+-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
