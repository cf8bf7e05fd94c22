import {spawn} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {createInterface} from 'node:readline';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {AgentClient, inlineInputBytes, type RemoteSession} from '../../services/deploy/agent-client.js';

/** The agent's commands run by `sh` on this machine, as sshd would run them on a host; counts the execs. */
function localSession(): RemoteSession & {commands: string[]} {
	const commands: string[] = [];
	return {
		commands,
		exec(command, options = {}) {
			commands.push(command);
			return new Promise(resolve => {
				const child = spawn('sh', ['-c', command], {stdio: ['pipe', 'pipe', 'pipe']});
				let stdout = '';
				let stderr = '';
				createInterface({input: child.stdout}).on('line', line => {
					stdout += `${line}\n`;
					options.onStdoutLine?.(line);
				});
				child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
				options.signal?.addEventListener('abort', () => child.kill());
				child.on('close', code => resolve({code: code ?? 1, stdout, stderr}));
				if (Buffer.isBuffer(options.stdin)) child.stdin.end(options.stdin);
				else if (options.stdin) options.stdin.pipe(child.stdin);
				else child.stdin.end();
			});
		},
		close() {},
	};
}

describe('the deploy agent client', () => {
	let root: string;
	beforeEach(() => {
		root = mkdtempSync(path.join(os.tmpdir(), 'ampzero-agent-client-'));
	});
	afterEach(() => {
		rmSync(root, {recursive: true, force: true});
	});

	it('sends a small file along with its step over the serving channel (no exec of its own), a large one in an exec of its own', async () => {
		const session = localSession();
		const client = new AgentClient(session, root, () => {});
		await client.install(30_000);
		await client.serve(30_000);
		const execsBefore = session.commands.length;

		const small = Buffer.from('a patch of a few bytes\n');
		expect(await client.call('receive', {file: 'small.patch.zst'}, {timeoutMs: 30_000, stdin: small})).toEqual({bytes: small.length});
		expect(session.commands.length).toBe(execsBefore);
		expect(readFileSync(path.join(root, 'dist', 'patches', 'small.patch.zst.part'))).toEqual(small);

		const large = Buffer.alloc(inlineInputBytes + 1, 7);
		expect(await client.call('receive', {file: 'large.tar.zst'}, {timeoutMs: 30_000, stdin: large})).toEqual({bytes: large.length});
		expect(session.commands.length).toBe(execsBefore + 1);
		expect(session.commands.at(-1)).toContain(' receive ');
		expect(readFileSync(path.join(root, 'dist', 'patches', 'large.tar.zst.part')).equals(large)).toBe(true);
		await client.close();
	}, 60_000);
});
