import {spawnSync} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';

const checkout = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function ampzero(...args: string[]) {
	const result = spawnSync(process.execPath, ['bin/ampzero', ...args], {cwd: checkout, encoding: 'utf8', env: {...process.env, CI: 'true'}});
	return {code: result.status, stdout: result.stdout, stderr: result.stderr};
}

describe('the command line', () => {
	it('prints help for every command, with the defaults of its flags', () => {
		const top = ampzero('--help');
		expect(top.code).toBe(0);
		for (const command of ['init', 'run', 'deploy', 'hub']) expect(top.stdout).toContain(command);
		for (const command of [['init'], ['run'], ['deploy'], ['hub', 'serve'], ['hub', 'update']]) {
			const help = ampzero(...command, '--help');
			expect(help.code, command.join(' ')).toBe(0);
			expect(help.stdout).toContain(`Usage: ampzero ${command.join(' ')}`);
		}
		expect(ampzero('init', '--help').stdout).toMatch(/--frontend-port <PORT>\s+nginx HTTPS port \(default: "8040"\)/);
		expect(ampzero('run', '--help').stdout).toMatch(/--no-daemon[\s\S]*\(default: daemonise\)/);
	});

	it('prints the version', () => {
		const result = ampzero('--version');
		expect(result.code).toBe(0);
		expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
	});

	it.each([
		[['frob'], "unknown command 'frob'", 'Usage: ampzero [options] [command]'],
		[['init', 'x', '--frob'], "unknown option '--frob'", 'Usage: ampzero init [options] <NAME>'],
		[['run'], "missing required argument 'NAME'", 'Usage: ampzero run [options] <NAME> [ACTION] [DAEMON]'],
		[['init', 'x', '--setup', 'cloud'], "option '--setup <KIND>' argument 'cloud' is invalid", 'Usage: ampzero init'],
	])('%j is a usage error: one line naming it, the usage, exit 2', (args, message, usage) => {
		const result = ampzero(...args);
		expect(result.code).toBe(2);
		const lines = result.stderr.trim().split('\n');
		expect(lines[0]).toContain(message);
		expect(lines[0]).toMatch(/^ampzero: /);
		expect(lines.at(-1)).toContain(usage);
	});

	it('does not load React (and so not Ink) for --help', () => {
		const probe = spawnSync(
			process.execPath,
			[
				'--input-type=module',
				'-e',
				`import {main} from './dist/source/cli.js';
				import {createRequire} from 'node:module';
				process.stdout.write = () => true;
				await main(['--help']);
				await main(['init', '--help']);
				await main(['run', '--help']);
				const loaded = Object.keys(createRequire(import.meta.url).cache).filter(file => /node_modules\\/react\\//.test(file));
				console.error(JSON.stringify(loaded));`,
			],
			{cwd: checkout, encoding: 'utf8'},
		);
		expect(probe.status).toBe(0);
		expect(JSON.parse(probe.stderr.trim().split('\n').at(-1) ?? 'null')).toEqual([]);
	});
});
