import {execFile} from 'node:child_process';
import {AmpError} from '../errors.js';

/** Runs a program to completion; an AmpError with its stderr when it fails or cannot start. */
export function runProgram(
	command: string,
	args: string[],
	options: {cwd?: string; signal?: AbortSignal; env?: NodeJS.ProcessEnv} = {},
): Promise<string> {
	return new Promise((resolve, reject) => {
		execFile(command, args, {cwd: options.cwd, signal: options.signal, env: options.env, maxBuffer: 4 * 1024 * 1024}, (error, stdout, stderr) => {
			if (!error) return resolve(stdout);
			if (error.name === 'AbortError') return reject(options.signal?.reason ?? error);
			const code = (error as NodeJS.ErrnoException).code;
			if (code === 'ENOENT') return reject(new AmpError(`${command} is not installed; run \`npm run setup\` (or install it with apt)`));
			const lines = String(stderr).trim().split('\n').filter(Boolean).slice(-5);
			reject(new AmpError(`\`${command} ${args.join(' ')}\` failed`, 1, lines));
		});
	});
}
