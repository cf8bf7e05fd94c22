import {AmpError} from '../errors.js';

/** A program that ran and failed: `how` is `exit N` or `killed by SIGNAL`; the details are the last lines of its stderr. */
export class ProgramFailedError extends AmpError {
	constructor(
		readonly command: string,
		readonly how: string,
		details: string[],
	) {
		super(`${command} failed (${how})`, 1, details);
	}
}

export interface RunProgramOptions {
	cwd?: string;
	signal?: AbortSignal;
	env?: NodeJS.ProcessEnv;
	/** Milliseconds before the program is killed and the run fails; none by default. */
	timeout?: number;
	/** What to tell the user to install when the program is missing; `npm run setup` by default. */
	install?: string;
	/** Text written to the program's stdin. */
	input?: string;
	/** `inherit`: the program talks to the terminal itself (sudo asking for a password); stdout is then not captured. */
	stdio?: 'pipe' | 'inherit';
	uid?: number;
	gid?: number;
}

/**
 * Runs a short-lived program (git, openssl, initdb, sudo…) to completion with execa and returns its stdout.
 * Fails with an AmpError naming the program: what to install when it is missing, the last lines of its
 * stderr when it fails, the limit when it times out; an abort rejects with the signal's reason.
 * execa is imported here, when a program runs, so that `ampzero --help` never loads it.
 */
export async function runProgram(command: string, args: string[], options: RunProgramOptions = {}): Promise<string> {
	const {execa} = await import('execa');
	const shown = `\`${[command, ...args].join(' ')}\``;
	const interactive = options.stdio === 'inherit';
	const result = await execa(command, args, {
		cwd: options.cwd,
		env: options.env,
		extendEnv: options.env === undefined,
		cancelSignal: options.signal,
		timeout: options.timeout,
		input: options.input,
		stdin: interactive ? 'inherit' : options.input === undefined ? 'ignore' : 'pipe',
		stdout: interactive ? 'ignore' : 'pipe',
		stderr: 'pipe',
		uid: options.uid,
		gid: options.gid,
		maxBuffer: 4 * 1024 * 1024,
		stripFinalNewline: false,
		reject: false,
	});
	if (!result.failed) return String(result.stdout ?? '');
	if (result.isCanceled) throw options.signal?.reason ?? new AmpError(`${shown} was cancelled`);
	const cause = result.cause as NodeJS.ErrnoException | undefined;
	if (cause?.code === 'ENOENT' && result.exitCode === undefined) {
		throw new AmpError(`${command} is not installed; ${options.install ?? 'run `npm run setup` (or install it with apt)'}`);
	}
	const lines = String(result.stderr ?? '').trim().split('\n').filter(Boolean).slice(-5);
	if (result.timedOut) throw new AmpError(`${shown} did not finish within ${(options.timeout ?? 0) / 1000} s`, 1, lines);
	const how = result.exitCode !== undefined ? `exit ${result.exitCode}` : result.signal !== undefined ? `killed by ${result.signal}` : (cause?.message ?? result.shortMessage ?? 'it could not run');
	throw new ProgramFailedError(shown, how, lines);
}
