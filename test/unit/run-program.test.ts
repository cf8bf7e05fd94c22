import {existsSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {AmpError} from '../../services/errors.js';
import {runSudoCommands} from '../../services/instance/amprun-root.js';
import {ProgramFailedError, runProgram} from '../../services/system/run-program.js';

describe('runProgram (short-lived programs through execa)', () => {
	it('returns stdout whole, final newline included', async () => {
		expect(await runProgram('printf', ['a\\nb\\n'])).toBe('a\nb\n');
	});

	it('passes stdin, the working directory and exactly the environment given', async () => {
		expect(await runProgram('cat', [], {input: 'from stdin'})).toBe('from stdin');
		expect(await runProgram('pwd', [], {cwd: '/tmp'})).toBe('/tmp\n');
		expect(await runProgram('/usr/bin/env', [], {env: {ONLY: 'this'}})).toBe('ONLY=this\n');
	});

	it('names a missing program and what to install', async () => {
		const error = await runProgram('no-such-program-xyz', ['--flag']).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(AmpError);
		expect((error as AmpError).message).toBe('no-such-program-xyz is not installed; run `npm run setup` (or install it with apt)');
		const custom = await runProgram('no-such-program-xyz', [], {install: 'install it with `apt-get install -y xyz`'}).catch((caught: unknown) => caught);
		expect((custom as AmpError).message).toBe('no-such-program-xyz is not installed; install it with `apt-get install -y xyz`');
	});

	it('on failure names the command and exit code, with the last lines of stderr', async () => {
		const error = (await runProgram('sh', ['-c', 'for i in 1 2 3 4 5 6 7; do echo line$i >&2; done; exit 3']).catch((caught: unknown) => caught)) as ProgramFailedError;
		expect(error).toBeInstanceOf(ProgramFailedError);
		expect(error.how).toBe('exit 3');
		expect(error.message).toBe('`sh -c for i in 1 2 3 4 5 6 7; do echo line$i >&2; done; exit 3` failed (exit 3)');
		expect(error.details).toEqual(['line3', 'line4', 'line5', 'line6', 'line7']);
	});

	it('kills a program that outlives its timeout and says so', async () => {
		const started = Date.now();
		const error = (await runProgram('sleep', ['10'], {timeout: 200}).catch((caught: unknown) => caught)) as AmpError;
		expect(error).toBeInstanceOf(AmpError);
		expect(error.message).toMatch(/^`sleep 10` did not finish within 0.2 s$/);
		expect(Date.now() - started).toBeLessThan(5000);
	});

	it('an abort kills the program and rejects with the signal reason', async () => {
		const controller = new AbortController();
		const reason = new Error('stopped by the user');
		setTimeout(() => controller.abort(reason), 100);
		const started = Date.now();
		await expect(runProgram('sleep', ['10'], {signal: controller.signal})).rejects.toBe(reason);
		expect(Date.now() - started).toBeLessThan(5000);
	});

	it('runs the sudo commands in order and stops at the first that fails, naming it with its stderr', async () => {
		const directory = mkdtempSync(path.join(tmpdir(), 'ampzero-sudo-'));
		try {
			const first = path.join(directory, 'first');
			const third = path.join(directory, 'third');
			const error = (await runSudoCommands([`touch ${first}`, 'echo oops >&2; exit 4', `touch ${third}`]).catch((caught: unknown) => caught)) as AmpError;
			expect(error).toBeInstanceOf(AmpError);
			expect(error.message).toBe('`echo oops >&2; exit 4` failed (exit 4); run it yourself, then try again');
			expect(error.details).toEqual(['oops']);
			expect([existsSync(first), existsSync(third)]).toEqual([true, false]);
		} finally {
			rmSync(directory, {recursive: true, force: true});
		}
	});
});
