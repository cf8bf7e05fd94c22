import {spawn, type ChildProcess} from 'node:child_process';
import net from 'node:net';
import {mkdtemp, readdir, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {announceStatement} from '../../services/hub/statements.js';
import type {HostAnnouncement, HubRecord} from '../../services/hub/types.js';
import {keyFileName, signDetached} from '../../services/keys/identity.js';
import {readPrivateKeyFile} from '../../services/keys/store.js';
import {ampzeroBin, makeTestInstance, runAmpzero, type TestInstance} from '../helpers/instance.js';
import {freePort} from '../helpers/ports.js';

interface ServedHub {
	url: string;
	output: string;
	child: ChildProcess;
}

let root: string;
const hubs: ServedHub[] = [];
const instances: TestInstance[] = [];

async function serveHub(name: string, ...flags: string[]): Promise<ServedHub> {
	const port = await freePort();
	const child = spawn(process.execPath, [ampzeroBin, 'hub', 'serve', '--port', String(port), '--state', path.join(root, name), ...flags], {
		env: {...process.env, AMPZERO_HOME: path.join(root, 'hub-home')},
		detached: true,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const hub: ServedHub = {url: '', output: '', child};
	hubs.push(hub);
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => (hub.output += chunk));
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => (hub.output += chunk));
	for (let waited = 0; !hub.output.includes('registrations limited') && waited < 15_000 && child.exitCode === null; waited += 20) await new Promise(resolve => setTimeout(resolve, 20));
	const url = /hub listening on (\S+) /.exec(hub.output)?.[1];
	if (!url) throw new Error(`hub serve did not start:\n${hub.output}`);
	hub.url = url;
	return hub;
}

function stopHub(hub: ServedHub): void {
	if (hub.child.pid !== undefined && hub.child.exitCode === null) {
		try {
			process.kill(-hub.child.pid, 'SIGKILL');
		} catch {
			// already gone
		}
	}
}

/** A raw HTTP/1.1 GET of /v1/hub-key from `localAddress`: what came back before the hub closed the connection ('' if nothing). */
function rawHubKey(url: string, localAddress: string): Promise<string> {
	const {hostname, port} = new URL(url);
	return new Promise((resolve, reject) => {
		let text = '';
		const socket = net.connect({host: hostname, port: Number(port), localAddress});
		const timer = setTimeout(() => {
			socket.destroy();
			reject(new Error(`no answer and no close from the hub within 10 s (got "${text}")`));
		}, 10_000);
		socket.setEncoding('utf8');
		socket.on('connect', () => socket.write(`GET /v1/hub-key HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`));
		socket.on('data', (chunk: string) => (text += chunk));
		socket.on('error', () => undefined);
		socket.on('close', () => {
			clearTimeout(timer);
			resolve(text);
		});
	});
}

/** An open connection from `localAddress` that sends nothing. */
function idleConnection(url: string, localAddress: string): Promise<net.Socket> {
	const {hostname, port} = new URL(url);
	return new Promise((resolve, reject) => {
		const socket = net.connect({host: hostname, port: Number(port), localAddress}, () => resolve(socket));
		socket.on('error', reject);
	});
}

async function instanceAt(hub: string, ...extra: string[]): Promise<TestInstance> {
	const instance = await makeTestInstance({name: `h${instances.length}`, extraArgs: ['--hub', hub, ...extra]});
	instances.push(instance);
	return instance;
}

const ampzero = (instance: TestInstance, ...args: string[]) => runAmpzero(args, {home: instance.home, env: {CI: '1'}, timeoutMs: 60_000});

async function lookupUntil(instance: TestInstance, hub: string, accept: (record: HubRecord) => boolean): Promise<HubRecord> {
	const deadline = Date.now() + 15_000;
	for (;;) {
		const response = await fetch(`${hub}/v1/records/host/${instance.config.hostId}`);
		const record = (await response.json()) as HubRecord;
		if (accept(record)) return record;
		if (Date.now() > deadline) throw new Error(`no announce of host-${instance.config.hostId} at ${hub}: ${JSON.stringify(record)}`);
		await new Promise(resolve => setTimeout(resolve, 100));
	}
}

beforeAll(async () => {
	root = await mkdtemp(path.join(os.tmpdir(), 'ampzero-hub-announce-'));
});

afterAll(async () => {
	for (const instance of instances) await ampzero(instance, 'run', instance.directory, 'quit');
	for (const hub of hubs) stopHub(hub);
	for (const instance of instances) await instance.cleanup();
	await rm(root, {recursive: true, force: true});
	delete process.env['NODE_EXTRA_CA_CERTS'];
}, 60_000);

describe('run announces this host to a served hub', () => {
	it('over HTTP: a signed announce the hub keeps; lookup returns it; tampered, replayed and stale ones are refused', async () => {
		const hub = await serveHub('http-hub');
		const instance = await instanceAt(hub.url);
		const {config} = instance;
		const run = await ampzero(instance, 'run', instance.directory, '--batch', '--no-nat-bypass');
		expect(run.code, run.stderr).toBe(0);
		const record = await lookupUntil(instance, hub.url, found => found.announced !== undefined);
		expect(record.announced).toMatchObject({hostId: config.hostId, host: config.hostName, port: config.ports.frontend});

		const lookup = await ampzero(instance, 'hub', 'lookup', String(config.hostId), '--hub', hub.url);
		expect(lookup.code, lookup.stderr).toBe(0);
		expect(lookup.stdout).toMatch(new RegExp(`^host-${config.hostId}: ${config.hostName}:${config.ports.frontend} \\(announced `));
		const unknown = await ampzero(instance, 'hub', 'lookup', '999', '--hub', hub.url);
		expect(unknown.code).toBe(1);
		expect(unknown.stderr).toContain(`the hub at ${hub.url} knows no host-999`);

		const post = (body: unknown) => fetch(`${hub.url}/v1/announce`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(body)});
		const kept = record.announced!;
		expect((await post({...kept, host: '198.51.100.66'})).status).toBe(403);
		const replay = await post(kept);
		expect(replay.status).toBe(409);
		expect(((await replay.json()) as {error: string}).error).toContain('a replay');
		const {secretKey} = await readPrivateKeyFile(path.join(instance.directory, 'ampnode', keyFileName('host', config.hostId, 'private')));
		const stale = {hostId: config.hostId, host: 'old.example', port: 8040, at: new Date(Date.now() - 3_600_000).toISOString(), sequence: kept.sequence + 1};
		const staleAnswer = await post({...stale, signature: signDetached(announceStatement(stale), secretKey)} satisfies HostAnnouncement);
		expect(staleAnswer.status).toBe(403);
		expect(((await staleAnswer.json()) as {error: string}).error).toContain('it is stale');
		const unsigned = await post({...stale, at: new Date().toISOString(), signature: ''});
		expect(unsigned.status).toBe(403);
		expect((await lookupUntil(instance, hub.url, () => true)).announced).toEqual(kept);
		expect((await ampzero(instance, 'run', instance.directory, 'stop')).code).toBe(0);
	}, 120_000);

	it('--no-hub sends nothing: the hub has no address for that host', async () => {
		const hub = await serveHub('quiet-hub');
		const instance = await instanceAt(hub.url);
		const run = await ampzero(instance, 'run', instance.directory, '--batch', '--no-nat-bypass', '--no-hub');
		expect(run.code, run.stderr).toBe(0);
		await new Promise(resolve => setTimeout(resolve, 1500));
		const record = (await (await fetch(`${hub.url}/v1/records/host/${instance.config.hostId}`)).json()) as HubRecord;
		expect(record.announced).toBeUndefined();
		const lookup = await ampzero(instance, 'hub', 'lookup', String(instance.config.hostId), '--hub', hub.url);
		expect(lookup.code).toBe(1);
		expect(lookup.stderr).toContain('has not announced an address');
		expect((await ampzero(instance, 'run', instance.directory, 'stop')).code).toBe(0);
	}, 120_000);

	it('an unreachable hub is a warning retried with backoff, never a failed run', async () => {
		const hub = await serveHub('gone-hub');
		const instance = await instanceAt(hub.url);
		stopHub(hub);
		const run = await ampzero(instance, 'run', instance.directory, '--batch', '--no-nat-bypass');
		expect(run.code, run.stderr).toBe(0);
		const deadline = Date.now() + 15_000;
		let notices: string[] = [];
		while (Date.now() < deadline && notices.length < 2) {
			const status = await ampzero(instance, 'run', instance.directory, 'status', '--json');
			notices = status.stdout.split('\n').filter(Boolean).map(line => JSON.parse(line) as {type: string; text?: string}).filter(line => line.type === 'notice' && line.text?.startsWith('hub:')).map(line => line.text!);
			await new Promise(resolve => setTimeout(resolve, 250));
		}
		expect(notices[0]).toMatch(/^hub: could not announce host-\d+ at localhost:\d+ \(the hub at .* cannot be reached \(ECONNREFUSED\).*\); retrying in 1 s/);
		expect(notices[1]).toMatch(/retrying in 2 s/);
		expect((await ampzero(instance, 'run', instance.directory, 'stop')).code).toBe(0);
	}, 120_000);
});

describe('a hub you can trust', () => {
	it('over HTTPS with a self-signed certificate: init pins the hub key, run announces, lookup returns it', async () => {
		const hub = await serveHub('https-hub', '--https');
		expect(hub.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
		expect(hub.output).toMatch(/TLS certificate \(self-signed, .*hub\.cert\) SHA-256 fingerprint: ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
		const fingerprint = /hub key fingerprint: (SHA256:\S+)/.exec(hub.output)![1]!;
		const untrusted = await runAmpzero(['init', path.join(root, 'untrusted'), '--batch', '--hub', hub.url, '--amprun-root', path.join(root, 'var')], {home: path.join(root, 'pin-home')});
		expect(untrusted.code).toBe(1);
		expect(untrusted.stderr).toContain(`the hub at ${hub.url} has a TLS certificate this machine does not trust`);
		// Clients trust the self-signed certificate as they would any private CA.
		process.env['NODE_EXTRA_CA_CERTS'] = path.join(root, 'https-hub', 'tls', 'hub.cert');
		const instance = await instanceAt(hub.url, '--hub-key', fingerprint);
		const run = await ampzero(instance, 'run', instance.directory, '--batch', '--no-nat-bypass');
		expect(run.code, run.stderr).toBe(0);
		const lookup = await (async () => {
			const deadline = Date.now() + 15_000;
			for (;;) {
				const result = await ampzero(instance, 'hub', 'lookup', String(instance.config.hostId), '--hub', hub.url, '--json');
				if (result.code === 0 || Date.now() > deadline) return result;
				await new Promise(resolve => setTimeout(resolve, 200));
			}
		})();
		expect(lookup.code, lookup.stderr).toBe(0);
		expect(JSON.parse(lookup.stdout)).toMatchObject({hostId: instance.config.hostId, host: 'localhost', port: instance.config.ports.frontend});
		const wrongPin = await ampzero(instance, 'hub', 'lookup', String(instance.config.hostId), '--hub', hub.url, '--hub-key', 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
		expect(wrongPin.code).toBe(1);
		expect(wrongPin.stderr).toContain(`has the key ${fingerprint}, not the pinned SHA256:AAAA`);
		expect((await ampzero(instance, 'run', instance.directory, 'stop')).code).toBe(0);
	}, 120_000);

	it('init shows the hub key fingerprint, and a wrong pin fails with nothing made', async () => {
		const hub = await serveHub('pinned-hub');
		const fingerprint = /hub key fingerprint: (SHA256:\S+)/.exec(hub.output)![1]!;
		const home = path.join(root, 'pin-home');
		const target = path.join(root, 'pinned', 'wrong');
		const shown = await runAmpzero(['init', path.join(root, 'pinned', 'shown'), '--batch', '--hub', hub.url, '--amprun-root', path.join(root, 'var')], {home});
		expect(shown.code, shown.stderr).toBe(0);
		expect(shown.stdout).toContain(`✓ hub: ${hub.url}, key ${fingerprint}; pin it with --hub-key`);
		const wrong = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
		const result = await runAmpzero(['init', target, '--batch', '--hub', hub.url, '--hub-key', wrong, '--amprun-root', path.join(root, 'var')], {home});
		expect(result.code).toBe(1);
		expect(result.stderr).toContain(`has the key ${fingerprint}, not the pinned ${wrong}; nothing was made`);
		expect((await readdir(path.join(root, 'pinned'))).sort()).toEqual(['shown']);
		// Nothing registered either: the next identity the hub hands out follows the one init made.
		const next = (await (await fetch(`${hub.url}/v1/records/host/2`)).json()) as {error?: string};
		expect(next.error).toContain('the hub has no host-2');
	}, 60_000);

	it('closes a connection past `--connections-per-address` unanswered while other addresses are served, and takes that address again once one closes', async () => {
		const hub = await serveHub('capped-hub', '--connections-per-address', '2');
		expect(hub.output).toContain('2 open connections per address');
		const held = [await idleConnection(hub.url, '127.0.0.2'), await idleConnection(hub.url, '127.0.0.2')];
		try {
			// The hub has read the two held ones' address: a third is closed as it opens, its request never answered.
			expect(await rawHubKey(hub.url, '127.0.0.2')).toBe('');
			expect(await rawHubKey(hub.url, '127.0.0.3')).toMatch(/^HTTP\/1\.1 200 [\s\S]*"publicKey"/);
			held[0]!.destroy();
			let answer = '';
			for (const deadline = Date.now() + 10_000; answer === '' && Date.now() < deadline; ) {
				answer = await rawHubKey(hub.url, '127.0.0.2');
				if (answer === '') await new Promise(resolve => setTimeout(resolve, 50));
			}
			expect(answer).toMatch(/^HTTP\/1\.1 200 /);
		} finally {
			for (const socket of held) socket.destroy();
		}
	}, 60_000);

	it('limits registrations: a burst is refused with 429 and Retry-After, and init says when to retry', async () => {
		const hub = await serveHub('limited-hub', '--register-limit', '3', '--register-limit-total', '50');
		const register = () =>
			fetch(`${hub.url}/v1/register`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({kind: 'user', publicKey: 'A'.repeat(43) + '=', controlPublicKey: 'B'.repeat(43) + '='})});
		const answers = await Promise.all(Array.from({length: 8}, register));
		const statuses = answers.map(answer => answer.status);
		expect(statuses.filter(status => status === 200)).toHaveLength(3);
		expect(statuses.filter(status => status === 429)).toHaveLength(5);
		const refused = answers.find(answer => answer.status === 429)!;
		expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
		expect(((await refused.json()) as {error: string}).error).toMatch(/too many registrations from \S+: at most 3 a minute; retry in \d+ s/);
		const init = await runAmpzero(['init', path.join(root, 'limited'), '--batch', '--hub', hub.url, '--amprun-root', path.join(root, 'var')], {home: path.join(root, 'pin-home')});
		expect(init.code).toBe(1);
		expect(init.stderr).toMatch(/try again in \d+ s/);
	}, 60_000);
});
