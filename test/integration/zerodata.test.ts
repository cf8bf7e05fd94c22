import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import type {InstanceConfig} from '../../services/config/amprun.js';
import {startZerodata, type RunningZerodata, type ZerodataEngine} from '../../source/daemons/zerodata/server.js';
import {ZerodataClient} from '../../services/zerodata/client.js';
import {StaticHostKeys} from '../../source/daemons/shared/host-keys.js';
import {silentLogger} from '../../source/daemons/shared/logger.js';
import {freePorts} from '../helpers/ports.js';
import {startTestPostgresql, type TestPostgresql} from '../helpers/postgresql.js';
import {postInTwoHalves} from '../helpers/split-request.js';
import {startDaemonProcess, testInstanceConfig, waitForHealth, type DaemonProcess} from './logstore-zerodata-process.js';
import {expectRefusals, post, signedHeaders as signedFor} from './signed-request-cases.js';
import {hostKeySource, makeHostKeys, membersOf, registerHost, registerHostKeys, rotateHostKey, writeHostKeyRecord, writeHostKeys, writeTestMembers, type TestHostKeys} from './zerodata-keys.js';

type EngineName = ZerodataEngine['engine'];

let temporary: string;
let keys: TestHostKeys;
let postgresql: TestPostgresql | undefined;
/** The engine the running describe block tests, and (PostgreSQL) the fresh database of the running test. */
let engineName: EngineName = 'sqlite';
let databaseUrl: Promise<string> | undefined;

beforeAll(async () => {
	postgresql = await startTestPostgresql();
}, 60_000);

afterAll(async () => {
	await postgresql?.stop();
});
let processes: DaemonProcess[] = [];
let servers: RunningZerodata[] = [];
let clients: ZerodataClient[] = [];

const instanceName = 'test-instance';

beforeEach(async () => {
	temporary = mkdtempSync(path.join(tmpdir(), 'ampzero-zerodata-'));
	// The embedded hub of AMPZERO_HOME=<temporary>/home, which the daemon processes look host keys up from.
	keys = await registerHostKeys(path.join(temporary, 'home', 'hub'), 2);
	databaseUrl = undefined;
});

/** The engine of this test: SQLite in the test's directory, or a fresh database on the test PostgreSQL. */
async function engine(): Promise<ZerodataEngine> {
	if (engineName === 'sqlite') return {engine: 'sqlite'};
	if (postgresql === undefined) throw new Error('the test PostgreSQL did not start');
	// One database per test, however many zerodata processes the test starts at once.
	databaseUrl ??= postgresql.freshDatabase();
	return {engine: 'postgresql', url: await databaseUrl};
}

/** Runs the suite once per engine. */
function forEachEngine(title: string, suite: () => void): void {
	describe.each(['sqlite', 'postgresql'] as const)(`${title} (%s)`, name => {
		beforeEach(() => {
			engineName = name;
		});
		suite();
	});
}

afterEach(async () => {
	for (const daemon of processes) daemon.kill();
	await Promise.all(processes.map(daemon => daemon.exited));
	for (const client of clients) client.close();
	await Promise.all(servers.map(server => server.close()));
	processes = [];
	servers = [];
	clients = [];
	rmSync(temporary, {recursive: true, force: true});
});

function clientFor(url: string, host = keys.hosts[0]): ZerodataClient {
	if (host === undefined) throw new Error('no such test host');
	const client = new ZerodataClient({url, hostId: host.record.id, secretKey: host.secretKey, instance: instanceName});
	clients.push(client);
	return client;
}

async function inProcessZerodata(): Promise<RunningZerodata> {
	const server = await startZerodata({
		host: '127.0.0.1',
		port: 0,
		directory: path.join(temporary, 'data'),
		engine: await engine(),
		instance: instanceName,
		members: membersOf(keys),
		hostKeys: hostKeySource(keys),
	});
	servers.push(server);
	return server;
}

async function zerodataProcess(runDirectory = 'run'): Promise<{daemon: DaemonProcess; url: string}> {
	const [port] = (await freePorts(1)) as [number];
	const instance = path.join(temporary, 'instance');
	writeHostKeys(instance, keys);
	const chosen = await engine();
	const config: InstanceConfig = {
		...testInstanceConfig(path.join(temporary, runDirectory), {zerodata: port}),
		...(chosen.engine === 'postgresql' ? {zerodataStorage: {engine: 'postgresql', postgresqlUrl: chosen.url}} : {}),
	};
	const daemon = startDaemonProcess('zerodata', instance, config, {AMPZERO_HOME: path.join(temporary, 'home')});
	processes.push(daemon);
	const url = `http://127.0.0.1:${port}`;
	await waitForHealth(url, daemon);
	return {daemon, url};
}

function signedHeaders(body: string, requestPath: string): Record<string, string> {
	return signedFor('zerodata', keys, instanceName, body, requestPath);
}

forEachEngine('zerodata API', () => {
	it('puts, gets, deletes, allocates ids and answers batch forms for a signed host', async () => {
		const server = await inProcessZerodata();
		expect(((await (await fetch(`${server.url}/health`)).json()) as {engine: string}).engine).toBe(engineName);
		const client = clientFor(server.url);
		const ids = await client.allocateIds('user', 3);
		expect(ids).toEqual([1, 2, 3]);
		expect(await client.allocateIds('user', 2)).toEqual([4, 5]);

		await client.put('user', 1, {name: 'Ada', email: 'ada@example.com', tags: ['admin']});
		expect(await client.get('user', 1)).toEqual({kind: 'user', id: 1, properties: {name: 'Ada', email: 'ada@example.com', tags: ['admin']}});
		expect(await client.get('user', 2)).toBeNull();
		expect(await client.get('user', '1')).toBeNull();

		await client.putMany([
			{kind: 'user', id: 2, properties: {name: 'Grace'}},
			{kind: 'session', id: 'abc', properties: {user: 2}},
		]);
		expect(await client.getMany([{kind: 'session', id: 'abc'}, {kind: 'user', id: 9}, {kind: 'user', id: 2}])).toEqual([
			{kind: 'session', id: 'abc', properties: {user: 2}},
			null,
			{kind: 'user', id: 2, properties: {name: 'Grace'}},
		]);
		expect(await client.delete('user', 1)).toBe(true);
		expect(await client.delete('user', 1)).toBe(false);
		expect(await client.deleteMany([{kind: 'user', id: 2}, {kind: 'session', id: 'abc'}, {kind: 'user', id: 77}])).toBe(2);
		expect(await client.getMany([{kind: 'user', id: 2}, {kind: 'session', id: 'abc'}])).toEqual([null, null]);

		// A second trusted host works too.
		const other = clientFor(server.url, keys.hosts[1]);
		await other.put('note', 'n1', {text: 'from host 8'});
		expect(await client.get('note', 'n1')).toEqual({kind: 'note', id: 'n1', properties: {text: 'from host 8'}});
	});

	it('queries by kind and property with paging, following overwrites and deletes', async () => {
		const server = await inProcessZerodata();
		const client = clientFor(server.url);
		await client.putMany(Array.from({length: 25}, (_, i) => ({kind: 'user', id: i + 1, properties: {team: i % 2 ? 'red' : 'blue', n: i}})));
		await client.put('team', 1, {team: 'red'});

		const red: number[] = [];
		let cursor: string | undefined;
		for (let guard = 0; guard < 10; guard++) {
			const page = await client.query({kind: 'user', property: 'team', value: 'red', limit: 5, ...(cursor ? {cursor} : {})});
			red.push(...page.entities.map(entity => entity.id as number));
			if (page.nextCursor === null) break;
			cursor = page.nextCursor;
		}
		expect(red).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24]);

		await client.put('user', 2, {team: 'blue'});
		await client.delete('user', 4);
		const after = await client.query({kind: 'user', property: 'team', value: 'red', limit: 100});
		expect(after.entities.map(entity => entity.id)).toEqual([6, 8, 10, 12, 14, 16, 18, 20, 22, 24]);
		expect(after.nextCursor).toBeNull();
		// n = 3 was user 4, deleted above.
		expect((await client.query({kind: 'user', property: 'n', value: 3})).entities).toEqual([]);
		expect((await client.query({kind: 'user', property: 'n', value: 5})).entities).toEqual([{kind: 'user', id: 6, properties: {team: 'red', n: 5}}]);
	});

	it('sends operations issued together as one batch in which each succeeds or fails alone', async () => {
		const server = await inProcessZerodata();
		const client = clientFor(server.url);
		const [good, bad, read] = await Promise.allSettled([
			client.put('user', 1, {name: 'Ada'}),
			client.put('user', 0, {name: 'nobody'}),
			client.get('user', 1),
		]);
		expect(good.status).toBe('fulfilled');
		expect(bad.status === 'rejected' && String(bad.reason)).toMatch(/zerodata refused \/v1\/put: ops\[1\]: a numeric id must be a positive whole number/);
		expect(read).toEqual({status: 'fulfilled', value: {kind: 'user', id: 1, properties: {name: 'Ada'}}});
	});

	it('also talks one request per operation when coalescing is off', async () => {
		const server = await inProcessZerodata();
		const host = keys.hosts[0];
		if (host === undefined) throw new Error('no test host');
		const client = new ZerodataClient({url: server.url, hostId: host.record.id, secretKey: host.secretKey, instance: instanceName, coalesce: false});
		clients.push(client);
		await Promise.all([client.put('user', 1, {name: 'Ada'}), client.put('user', 2, {name: 'Grace'})]);
		expect(await client.get('user', 2)).toEqual({kind: 'user', id: 2, properties: {name: 'Grace'}});
		expect(await client.delete('user', 1)).toBe(true);
		expect(await client.get('user', 1)).toBeNull();
		await expect(client.put('user', 0, {})).rejects.toThrow(/zerodata refused \/v1\/put: the request body: a numeric id must be a positive whole number/);
	});

	it('refuses bad requests with a message', async () => {
		const server = await inProcessZerodata();
		const client = clientFor(server.url);
		await expect(client.put('', 1, {})).rejects.toThrow(/kind must be a non-empty string/);
		await expect(client.put('user', -3, {})).rejects.toThrow(/numeric id must be a positive whole number/);
		await expect(client.allocateIds('user', 0)).rejects.toThrow(/count must be a whole number from 1 to 10000/);
	});
});

forEachEngine('zerodata request signing', () => {
	it('refuses unsigned, unknown-host, wrongly signed, stale, other-instance and replayed requests with a clear 401', async () => {
		const {url} = await zerodataProcess();
		await expectRefusals({daemon: 'zerodata', url, path: '/v1/get', body: JSON.stringify({kind: 'user', id: 1}), keys, instance: instanceName, accepted: {status: 200, body: {entity: null}}});
	});

	it('refuses a request replayed after the daemon restarts', async () => {
		const first = await zerodataProcess();
		const requestPath = '/v1/put';
		const body = JSON.stringify({kind: 'note', id: 'once', properties: {n: 1}});
		const headers = signedHeaders(body, requestPath);
		expect(await post(first.url, requestPath, body, headers)).toEqual({status: 200, body: {ok: true}});
		first.daemon.kill();
		await first.daemon.exited;

		const second = await zerodataProcess();
		const replay = await post(second.url, requestPath, body, headers);
		expect(replay.status).toBe(401);
		expect(replay.body.error).toMatch(/^replayed request: this nonce was already used/);
	});

	it('trusts only host keys the hub signed', async () => {
		const forged = makeHostKeys([5]);
		const host = forged.hosts[0];
		if (host === undefined) throw new Error('no forged host');
		const trusted = makeHostKeys([7]);
		const server = await startZerodata({
			host: '127.0.0.1',
			port: 0,
			directory: path.join(temporary, 'data'),
			engine: await engine(),
			instance: instanceName,
			members: membersOf(trusted, [5, 7]),
			// Signed by another hub: must not be trusted.
			hostKeys: new StaticHostKeys([...trusted.hosts.map(entry => entry.record), host.record], trusted.hub, silentLogger),
		});
		servers.push(server);
		const client = new ZerodataClient({url: server.url, hostId: 5, secretKey: host.secretKey, instance: instanceName});
		clients.push(client);
		await expect(client.get('user', 1)).rejects.toThrow(/zerodata refused \/v1\/batch: unknown host 5/);
	});
});

describe('zerodata and host keys looked up from the hub', () => {
	it('admits a member added after it started without a restart, refuses it once removed, and refuses a rotated-away key once the instance holds the new one', async () => {
		const {url} = await zerodataProcess();
		const [host] = keys.hosts;
		if (host === undefined || keys.directoryHub === undefined) throw new Error('no test hub');
		await clientFor(url, host).put('note', 1, {text: 'before rotation'});

		// A host the hub signed that is not a member: refused before its key is even looked for.
		const later = await registerHost(keys.directoryHub);
		await expect(clientFor(url, later).get('note', 1)).rejects.toThrow(`zerodata refused /v1/batch: not a member: host ${later.record.id} is not a member of instance "${instanceName}"`);
		const instance = path.join(temporary, 'instance');
		const members = keys.hosts.map(entry => entry.record.id);
		writeHostKeyRecord(instance, later);
		writeTestMembers(instance, keys, instanceName, [...members, later.record.id]);
		await new Promise(resolve => setTimeout(resolve, 1_100));
		expect(await clientFor(url, later).get('note', 1)).toEqual({kind: 'note', id: 1, properties: {text: 'before rotation'}});
		writeTestMembers(instance, keys, instanceName, members);
		await new Promise(resolve => setTimeout(resolve, 1_100));
		await expect(clientFor(url, later).get('note', 1)).rejects.toThrow(/zerodata refused \/v1\/batch: not a member/);

		const rotated = await rotateHostKey(keys, host);
		// As `hub update` does: the new record replaces the old one in the instance.
		writeHostKeyRecord(instance, rotated);
		// The daemon looks at the key file again within a second.
		await new Promise(resolve => setTimeout(resolve, 1_100));
		await expect(clientFor(url, host).get('note', 1)).rejects.toThrow(new RegExp(`zerodata refused /v1/batch: bad signature: the request is not signed by host ${host.record.id}'s current key`));
		expect(await clientFor(url, rotated).get('note', 1)).toEqual({kind: 'note', id: 1, properties: {text: 'before rotation'}});
	}, 20_000);
});

forEachEngine('zerodata process', () => {
	it('keeps every acknowledged put through kill -9 and a restart', async () => {
		const first = await zerodataProcess();
		const client = clientFor(first.url);
		const count = 500;
		await Promise.all(Array.from({length: count}, (_, i) => client.put('item', i + 1, {value: `v${i}`, i})));
		await client.putMany(Array.from({length: 100}, (_, i) => ({kind: 'batch', id: `b${i}`, properties: {i}})));
		first.daemon.kill();
		expect((await first.daemon.exited).signal).toBe('SIGKILL');

		const second = await zerodataProcess();
		const again = clientFor(second.url);
		const items = await again.getMany(Array.from({length: count}, (_, i) => ({kind: 'item', id: i + 1})));
		expect(items.map(entity => entity?.properties['value'])).toEqual(Array.from({length: count}, (_, i) => `v${i}`));
		expect((await again.getMany(Array.from({length: 100}, (_, i) => ({kind: 'batch', id: `b${i}`})))).every(entity => entity !== null)).toBe(true);
		expect((await again.query({kind: 'item', property: 'i', value: 42})).entities).toEqual([{kind: 'item', id: 43, properties: {value: 'v42', i: 42}}]);
	});

	it('on SIGTERM finishes the in-flight put, then exits 0 within 5 s', async () => {
		const {daemon, url} = await zerodataProcess();
		const requestPath = '/v1/put';
		const body = JSON.stringify({kind: 'note', id: 'last', properties: {text: 'written during shutdown'}});
		const started = Date.now();
		const reply = await postInTwoHalves({url, path: requestPath, headers: signedHeaders(body, requestPath), body, between: () => daemon.child.kill('SIGTERM')});
		expect(reply).toEqual({status: 200, text: '{"ok":true}'});
		const exit = await daemon.exited;
		expect(daemon.output()).not.toMatch(/ error zerodata/);
		expect(exit.code).toBe(0);
		expect(Date.now() - started).toBeLessThan(5_000);

		const again = await zerodataProcess();
		expect(await clientFor(again.url).get('note', 'last')).toEqual({kind: 'note', id: 'last', properties: {text: 'written during shutdown'}});
	});
});

describe('two zerodata processes over one PostgreSQL', () => {
	beforeEach(() => {
		engineName = 'postgresql';
	});

	it('serve the same data and never hand out the same id twice', async () => {
		const [first, second] = await Promise.all([zerodataProcess('run-1'), zerodataProcess('run-2')]);
		const one = clientFor(first.url, keys.hosts[0]);
		const two = clientFor(second.url, keys.hosts[1]);

		// A put acknowledged by one is read by the other, both ways.
		await one.put('user', 'ada', {name: 'Ada', team: 'red'});
		expect(await two.get('user', 'ada')).toEqual({kind: 'user', id: 'ada', properties: {name: 'Ada', team: 'red'}});
		await two.put('user', 'ada', {name: 'Ada L.', team: 'blue'});
		expect(await one.get('user', 'ada')).toEqual({kind: 'user', id: 'ada', properties: {name: 'Ada L.', team: 'blue'}});
		expect((await one.query({kind: 'user', property: 'team', value: 'red'})).entities).toEqual([]);

		// Bounded: 2 processes × 150 concurrent allocations of 1 to 4 ids each.
		const calls = 150;
		const allocate = (client: ZerodataClient) =>
			Promise.all(Array.from({length: calls}, (_, index) => client.allocateIds('order', (index % 4) + 1)));
		const [fromOne, fromTwo] = await Promise.all([allocate(one), allocate(two)]);
		const ids = [...fromOne.flat(), ...fromTwo.flat()];
		const expected = 2 * Array.from({length: calls}, (_, index) => (index % 4) + 1).reduce((sum, count) => sum + count, 0);
		expect(ids).toHaveLength(expected);
		expect(new Set(ids).size).toBe(expected);
		// Each allocation is a run of consecutive ids.
		for (const run of [...fromOne, ...fromTwo]) expect(run).toEqual(Array.from({length: run.length}, (_, offset) => (run[0] as number) + offset));
		expect(Math.max(...ids)).toBe(expected);
	}, 30_000);
});
