import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {createHash} from 'node:crypto';
import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {loadInstanceConfig} from '../../services/config/amprun.js';
import {keyFileName, verifyPublicKey} from '../../services/keys/identity.js';
import {readHubPublicKeyFile, readIdentityKeys, readPublicKeyFile} from '../../services/keys/store.js';
import {freePort} from '../helpers/ports.js';
import {ampzeroBin, runAmpzero} from '../helpers/instance.js';

let root: string;
let server: ChildProcess | undefined;
let hubUrl: string;

async function startHub(port: number): Promise<ChildProcess> {
	const child = spawn(process.execPath, [ampzeroBin, 'hub', 'serve', '--port', String(port), '--host', '127.0.0.1', '--state', path.join(root, 'hub-state')], {
		env: {...process.env, AMPZERO_HOME: path.join(root, 'home')},
		detached: true,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let output = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
	for (let waited = 0; !output.includes('hub listening on') && waited < 10_000; waited += 20) {
		if (child.exitCode !== null) break;
		await new Promise(resolve => setTimeout(resolve, 20));
	}
	if (!output.includes(`hub listening on http://127.0.0.1:${port}`)) throw new Error(`hub serve did not start:\n${output}`);
	return child;
}

function stop(child: ChildProcess | undefined): void {
	if (child?.pid !== undefined && child.exitCode === null) {
		try {
			process.kill(-child.pid, 'SIGKILL');
		} catch {
			// already gone
		}
	}
}

beforeAll(async () => {
	root = await mkdtemp(path.join(os.tmpdir(), 'ampzero-hub-serve-'));
	const port = await freePort();
	hubUrl = `http://127.0.0.1:${port}`;
	server = await startHub(port);
});

afterAll(async () => {
	stop(server);
	await rm(root, {recursive: true, force: true});
});

const init = (name: string, ...args: string[]) =>
	runAmpzero(['init', path.join(root, name), '--batch', '--amprun-root', path.join(root, 'var'), ...args], {home: path.join(root, 'home')});

describe('init against a hub served by `ampzero hub serve`', () => {
	it('registers there: ids from the served hub, keys signed by its key', async () => {
		const first = await init('one', '--hub', hubUrl);
		expect(first.stderr).toBe('');
		expect(first.code).toBe(0);
		expect(first.stdout).toContain(`✓ hub: ${hubUrl}`);
		const second = await init('two', '--hub', hubUrl);
		expect(second.code).toBe(0);

		const one = await loadInstanceConfig(path.join(root, 'one'));
		const two = await loadInstanceConfig(path.join(root, 'two'));
		expect(one.hub).toBe(hubUrl);
		expect([one.userId, two.userId]).toEqual([1, 2]);
		expect([one.hostId, two.hostId]).toEqual([1, 2]);

		const served = (await (await fetch(`${hubUrl}/v1/hub-key`)).json()) as {publicKey: string};
		const hubKey = await readHubPublicKeyFile(path.join(root, 'one/ampnode/hub.public.key'));
		expect(hubKey).toEqual({hub: hubUrl, publicKey: served.publicKey});
		for (const kind of ['user', 'host'] as const) {
			const record = await readPublicKeyFile(path.join(root, 'one/ampnode', keyFileName(kind, 1, 'public')));
			expect(verifyPublicKey(record, hubKey)).toBe(true);
		}
		// The served hub keeps its own state: the embedded hub of this machine was not used.
		expect(await readdir(path.join(root, 'home')).catch(() => [])).toEqual([]);
	});

	it('`hub update` rotates a key with the control key: new keypair, signed by the hub, committed', async () => {
		const directory = path.join(root, 'one');
		const ampnode = path.join(directory, 'ampnode');
		const sum = async (part: 'public' | 'private' | 'control'): Promise<string> =>
			createHash('sha256').update(await readFile(path.join(ampnode, keyFileName('host', 1, part)))).digest('hex');
		const before = {public: await sum('public'), private: await sum('private'), control: await sum('control')};

		const result = await runAmpzero(['hub', 'update', directory, '--identity', 'host'], {home: path.join(root, 'home')});
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('✓ host-1: new keypair registered with the hub');

		expect(await sum('public')).not.toBe(before.public);
		expect(await sum('private')).not.toBe(before.private);
		expect(await sum('control')).toBe(before.control);
		const hubKey = await readHubPublicKeyFile(path.join(ampnode, 'hub.public.key'));
		const keys = await readIdentityKeys(ampnode, 'host', hubKey);
		const record = (await (await fetch(`${hubUrl}/v1/records/host/1`)).json()) as {publicKey: string; version: number};
		expect(record).toMatchObject({publicKey: keys.public.publicKey, version: 2});
		expect(execFileSync('git', ['log', '-1', '--format=%s'], {cwd: directory, encoding: 'utf8'}).trim()).toBe('Rotate the host-1 key');
	});

	it('`hub update --identity user` commits the new public key and the members file signed again, never the private key', async () => {
		const directory = path.join(root, 'one');
		const {userId} = await loadInstanceConfig(directory);
		const result = await runAmpzero(['hub', 'update', directory, '--identity', 'user'], {home: path.join(root, 'home')});
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		const git = (...args: string[]): string => execFileSync('git', args, {cwd: directory, encoding: 'utf8'}).trim();
		expect(git('log', '-1', '--format=%s')).toBe(`Rotate the user-${userId} key`);
		expect(git('show', '--format=', '--name-only', 'HEAD').split('\n').sort()).toEqual(['ampnode/members.json', `ampnode/${keyFileName('user', userId, 'public')}`]);
		expect(git('ls-files', `ampnode/${keyFileName('user', userId, 'private')}`)).toBe('');
		expect(git('status', '--porcelain')).toBe('');
	});

	it('`hub update` without the right control key is refused by the hub', async () => {
		const directory = path.join(root, 'two');
		const ampnode = path.join(directory, 'ampnode');
		// Put instance one's control key where instance two's belongs: the hub must refuse it.
		const foreign = JSON.parse(await readFile(path.join(root, 'one/ampnode', keyFileName('user', 1, 'control')), 'utf8')) as Record<string, unknown>;
		await writeFile(path.join(ampnode, keyFileName('user', 2, 'control')), JSON.stringify({...foreign, id: 2}));
		const result = await runAmpzero(['hub', 'update', directory, '--identity', 'user'], {home: path.join(root, 'home')});
		expect(result.code).toBe(1);
		expect(result.stderr).toContain("the hub refused to update user-2: the request is not signed by that identity's control key");
	});

	it('an unreachable hub makes init fail quickly, naming the URL, with nothing made', async () => {
		const url = `http://127.0.0.1:${await freePort()}`;
		const started = Date.now();
		const result = await init('three', '--hub', url);
		expect(Date.now() - started).toBeLessThan(5000);
		expect(result.code).toBe(1);
		expect(result.stderr).toContain(`the hub at ${url} cannot be reached (ECONNREFUSED)`);
		expect((await readdir(root)).filter(name => name.includes('three'))).toEqual([]);
	});
});

describe('the embedded hub shared by every instance on the machine', () => {
	it('gives concurrent inits different ids', async () => {
		const names = ['c1', 'c2', 'c3', 'c4'];
		const results = await Promise.all(names.map(name => init(name)));
		for (const result of results) expect(result.code, result.stderr).toBe(0);
		const configs = await Promise.all(names.map(name => loadInstanceConfig(path.join(root, name))));
		expect(configs.map(config => config.userId).sort()).toEqual([1, 2, 3, 4]);
		expect(configs.map(config => config.hostId).sort()).toEqual([1, 2, 3, 4]);
		expect((await readdir(path.join(root, 'home', 'hub'))).sort()).toEqual(['hub.key', 'lock.flock', 'next-ids.json', 'records']);
	});
});
