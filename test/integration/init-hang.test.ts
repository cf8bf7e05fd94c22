import {execFileSync, spawn} from 'node:child_process';
import {X509Certificate} from 'node:crypto';
import {mkdir, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {ampzeroBin, makeTestInstance, runAmpzero, type TestInstance} from '../helpers/instance.js';

let root: string;
const cleanups: Array<() => Promise<void> | void> = [];
beforeEach(async () => {
	root = await mkdtemp(path.join(os.tmpdir(), 'ampzero-hang-'));
});
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
	await rm(root, {recursive: true, force: true});
});

/** Starts `ampzero init … --batch --json`; resolves with the exit code and how long it took after `signal` was sent once `when` matched its output. */
function initUntil(args: string[], when: RegExp, signal: NodeJS.Signals): Promise<{code: number | null; afterSignalMs: number; output: string}> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [ampzeroBin, 'init', ...args, '--batch', '--json'], {env: {...process.env, AMPZERO_HOME: path.join(root, 'home')}});
		cleanups.push(() => void child.kill('SIGKILL'));
		let output = '';
		let sentAt = 0;
		const collect = (chunk: Buffer): void => {
			output += chunk.toString();
			if (sentAt === 0 && when.test(output)) {
				sentAt = Date.now();
				// Let the step really start waiting.
				setTimeout(() => child.kill(signal), 100);
			}
		};
		child.stdout.on('data', collect);
		child.stderr.on('data', collect);
		const timer = setTimeout(() => reject(new Error(`init did not end; output:\n${output}`)), 15_000);
		child.on('exit', code => {
			clearTimeout(timer);
			resolve({code, afterSignalMs: sentAt === 0 ? -1 : Date.now() - sentAt - 100, output});
		});
	});
}

describe('init never hangs', () => {
	it('an amprun root on /proc (where recursive mkdir spins forever) is an error at once', async () => {
		const started = Date.now();
		const result = await runAmpzero(['init', path.join(root, 'demo'), '--batch', '--amprun-root', '/proc/ampzero-no-such/var'], {home: path.join(root, 'home'), timeoutMs: 10_000});
		expect(result.code, result.stderr).toBe(1);
		expect(result.stderr).toContain('/proc/ampzero-no-such/var cannot be created');
		expect(Date.now() - started).toBeLessThan(5000);
	});

	for (const signal of ['SIGTERM', 'SIGINT'] as const) {
		it(`${signal} ends init within a second while a step waits on a hub that never answers, and leaves nothing`, async () => {
			const silent = http.createServer(() => {});
			await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve));
			cleanups.push(() => {
				silent.closeAllConnections();
				silent.close();
			});
			const {port} = silent.address() as {port: number};
			const target = path.join(root, 'sites', 'demo');
			const result = await initUntil([target, '--amprun-root', path.join(root, 'var'), '--hub', `http://127.0.0.1:${port}`], /"step":"hub"/, signal);
			expect(result.code, result.output).toBe(1);
			expect(result.afterSignalMs).toBeLessThan(1000);
			expect(result.output).toContain('init interrupted');
			expect(await readdir(path.dirname(target))).toEqual([]);
		});
	}
});

describe('init with what a killed or earlier init left', () => {
	let instance: TestInstance;
	beforeEach(async () => {
		instance = await makeTestInstance();
		cleanups.push(() => instance.cleanup());
	});

	it('a FIFO where a key file belongs is an error at once, not a read that never returns', async () => {
		const hubKey = path.join(instance.directory, 'ampnode', 'hub.public.key');
		await rm(hubKey);
		execFileSync('mkfifo', [hubKey]);
		const started = Date.now();
		const result = await runAmpzero(['init', instance.directory, '--clobber', '--batch'], {home: instance.home, timeoutMs: 10_000});
		expect(result.code, result.stderr).toBe(1);
		expect(result.stderr).toContain('hub.public.key is not a regular file');
		expect(Date.now() - started).toBeLessThan(5000);
	});

	it("removes a killed init's .NAME.partial-* directory (it holds private keys) and keeps one whose init still runs", async () => {
		const parent = path.dirname(instance.directory);
		const dead = path.join(parent, '.other.partial-999999999-abc123');
		const older = path.join(parent, '.other.partial-Xy12ab');
		const running = path.join(parent, `.other.partial-${process.pid}-def456`);
		for (const directory of [dead, older, running]) {
			await mkdir(path.join(directory, 'ampnode'), {recursive: true});
			await writeFile(path.join(directory, 'ampnode', 'user-1.private.key'), 'secret');
		}
		const result = await runAmpzero(['init', path.join(parent, 'other'), '--batch', '--amprun-root', path.join(instance.root, 'var')], {home: instance.home});
		expect(result.code, result.stderr).toBe(0);
		const left = (await readdir(parent)).filter(name => name.startsWith('.other.'));
		expect(left).toEqual([path.basename(running)]);
	});

	it('--clobber with a new host name makes a certificate for it', async () => {
		const cert = path.join(instance.directory, 'nginx', 'server.cert');
		const before = new X509Certificate(await readFile(cert));
		expect(before.checkHost('new.example.org')).toBeUndefined();
		const result = await runAmpzero(['init', instance.directory, '--clobber', '--batch', '--host-name', 'new.example.org'], {home: instance.home});
		expect(result.code, result.stderr).toBe(0);
		const after = new X509Certificate(await readFile(cert));
		expect(after.checkHost('new.example.org')).toBe('new.example.org');
		expect(after.fingerprint256).not.toBe(before.fingerprint256);
	});
});
