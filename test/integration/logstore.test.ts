import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {startLogstore, type RunningLogstore} from '../../source/daemons/logstore/server.js';
import {LogstoreClient} from '../../services/logstore/client.js';
import type {LogRecord} from '../../services/logstore/records.js';
import {freePorts} from '../helpers/ports.js';
import {postInTwoHalves} from '../helpers/split-request.js';
import {startDaemonProcess, testInstanceConfig, waitForHealth, type DaemonProcess} from './logstore-zerodata-process.js';
import {expectRefusals, post, signedHeaders} from './signed-request-cases.js';
import {hostKeySource, membersOf, registerHost, registerHostKeys, rotateHostKey, writeHostKeyRecord, writeHostKeys, writeTestMembers, type TestHostKeys} from './zerodata-keys.js';

const instanceName = 'test-instance';
let temporary: string;
let keys: TestHostKeys;
let processes: DaemonProcess[] = [];
let servers: RunningLogstore[] = [];
let clients: LogstoreClient[] = [];

beforeEach(async () => {
	temporary = mkdtempSync(path.join(tmpdir(), 'ampzero-logstore-'));
	// The embedded hub of AMPZERO_HOME=<temporary>/home, which the daemon processes look host keys up from.
	keys = await registerHostKeys(path.join(temporary, 'home', 'hub'), 2);
});

function clientFor(url: string, host = keys.hosts[0]): LogstoreClient {
	if (host === undefined) throw new Error('no test host');
	const client = new LogstoreClient({url, hostId: host.record.id, secretKey: host.secretKey, instance: instanceName});
	clients.push(client);
	return client;
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

function record(time: number, kind: LogRecord['kind'], host: string, data: Record<string, unknown> = {}): LogRecord {
	return {time, kind, host, data};
}

/** How logstore names the host that signed: `host-ID`. */
function hostName(index = 0): string {
	const host = keys.hosts[index];
	if (host === undefined) throw new Error('no such test host');
	return `host-${host.record.id}`;
}

async function inProcessLogstore(maxSegmentBytes?: number): Promise<LogstoreClient> {
	const server = await startLogstore({
		host: '127.0.0.1',
		port: 0,
		directory: path.join(temporary, 'segments'),
		...(maxSegmentBytes !== undefined ? {maxSegmentBytes} : {}),
		instance: instanceName,
		members: membersOf(keys),
		hostKeys: hostKeySource(keys),
	});
	servers.push(server);
	return clientFor(server.url);
}

async function logstoreProcess(): Promise<{daemon: DaemonProcess; client: LogstoreClient; url: string}> {
	const [port] = (await freePorts(1)) as [number];
	const config = testInstanceConfig(path.join(temporary, 'run'), {logstore: port});
	const instance = path.join(temporary, 'instance');
	writeHostKeys(instance, keys);
	const daemon = startDaemonProcess('logstore', instance, config, {AMPZERO_HOME: path.join(temporary, 'home')});
	processes.push(daemon);
	const url = `http://127.0.0.1:${port}`;
	await waitForHealth(url, daemon);
	return {daemon, client: clientFor(url), url};
}

describe('logstore queries', () => {
	it('filters by kind, host and time range and pages with a cursor', async () => {
		const client = await inProcessLogstore();
		const other = clientFor(servers[0]!.url, keys.hosts[1]);
		const records: LogRecord[] = [];
		for (let i = 0; i < 250; i++) {
			records.push(record(1_000 + i, i % 3 === 0 ? 'error' : 'access', hostName(i % 2), {i}));
		}
		const ofA = records.filter(r => r.host === hostName(0));
		const ofB = records.filter(r => r.host === hostName(1));
		await client.append(ofA.slice(0, 50));
		await other.append(ofB);
		await client.append(ofA.slice(50));

		const errorsOfA = records.filter(r => r.kind === 'error' && r.host === hostName(0) && r.time >= 1_050 && r.time < 1_200);
		const pages: LogRecord[][] = [];
		let cursor: string | undefined;
		for (let guard = 0; guard < 20; guard++) {
			const page = await client.query({kind: 'error', host: hostName(0), from: 1_050, to: 1_200, limit: 7, ...(cursor ? {cursor} : {})});
			pages.push(page.records);
			if (page.nextCursor === null) break;
			cursor = page.nextCursor;
		}
		expect(pages.flat()).toEqual(errorsOfA);
		expect(pages.slice(0, -1).every(page => page.length === 7)).toBe(true);
		expect(pages.at(-1)?.length).toBe(errorsOfA.length % 7 || 7);

		const all: LogRecord[] = [];
		for await (const found of client.queryAll({limit: 64})) all.push(found);
		expect(all).toEqual(records);
	});

	it('returns records in time order even when they arrive out of order', async () => {
		const client = await inProcessLogstore();
		await client.append([record(30, 'usage', hostName()), record(10, 'usage', hostName())]);
		await client.append([record(20, 'usage', hostName())]);
		const page = await client.query({kind: 'usage'});
		expect(page.records.map(r => r.time)).toEqual([10, 20, 30]);
		expect(page.nextCursor).toBeNull();
	});

	it('rolls to new segments by size and still answers across them', async () => {
		const client = await inProcessLogstore(4096);
		const records = Array.from({length: 400}, (_, i) => record(i, 'access', hostName(), {path: `/page/${i}`, padding: 'x'.repeat(40)}));
		for (let i = 0; i < records.length; i += 50) await client.append(records.slice(i, i + 50));
		const health = (await (await fetch(`${servers[0]?.['url']}/health`)).json()) as {records: number; segments: number};
		expect(health.records).toBe(400);
		expect(health.segments).toBeGreaterThan(3);
		const all: LogRecord[] = [];
		for await (const found of client.queryAll({limit: 1000})) all.push(found);
		expect(all).toEqual(records);
	});

	it('refuses malformed records and queries with a message', async () => {
		const client = await inProcessLogstore();
		await expect(client.append([{time: 'noon', kind: 'access', host: 'h', data: {}} as unknown as LogRecord])).rejects.toThrow(
			/records\[0\]: time must be a number/,
		);
		await expect(client.append([record(1, 'debug' as LogRecord['kind'], 'h')])).rejects.toThrow(/kind must be one of access, usage, error/);
		await expect(client.query({limit: 5000})).rejects.toThrow(/limit must be a whole number from 1 to 1000/);
		await expect(client.query({cursor: 'nonsense'})).rejects.toThrow(/cursor is not one this logstore returned/);
	});
});

describe('logstore process', () => {
	it('keeps every acknowledged record through kill -9 and a restart', async () => {
		const first = await logstoreProcess();
		const count = 2_000;
		const records = Array.from({length: count}, (_, i) => record(Date.now() + i, i % 2 ? 'access' : 'usage', hostName(), {i}));
		// Concurrent batches, so several share one fsync.
		await Promise.all(Array.from({length: 20}, (_, batch) => first.client.append(records.slice(batch * 100, batch * 100 + 100))));
		first.daemon.kill();
		expect((await first.daemon.exited).signal).toBe('SIGKILL');

		const second = await logstoreProcess();
		const back: LogRecord[] = [];
		for await (const found of second.client.queryAll({limit: 1000})) back.push(found);
		expect(back.length).toBe(count);
		expect(new Set(back.map(r => r.data['i']))).toEqual(new Set(records.map(r => r.data['i'])));
		const ofUsage = await second.client.query({kind: 'usage', host: hostName(), limit: 1000});
		expect(ofUsage.records.length).toBe(count / 2);
	});

	it('on SIGTERM finishes the in-flight append, then exits 0 within 5 s', async () => {
		const {daemon, client, url} = await logstoreProcess();
		const body = JSON.stringify({records: [record(1, 'error', hostName(), {message: 'in flight'})]});
		const headers = signedHeaders('logstore', keys, instanceName, body, '/append');
		const answer = postInTwoHalves({url, path: '/append', headers, body, between: () => daemon.child.kill('SIGTERM')});
		const started = Date.now();
		const reply = await answer;
		expect(reply).toEqual({status: 200, text: '{"appended":1}'});
		const exit = await daemon.exited;
		expect(exit.code).toBe(0);
		expect(Date.now() - started).toBeLessThan(5_000);
		expect(daemon.output()).toMatch(/SIGTERM: finishing in-flight requests/);
		client.close();

		const again = await logstoreProcess();
		expect((await again.client.query({host: hostName()})).records).toEqual([record(1, 'error', hostName(), {message: 'in flight'})]);
	});
});

describe('logstore request signing', () => {
	it('refuses unsigned, non-member, wrongly signed, stale, other-instance, other-daemon and replayed requests with a clear 401 or 403', async () => {
		const {url} = await logstoreProcess();
		await expectRefusals({daemon: 'logstore', url, path: '/append', body: JSON.stringify({records: []}), keys, instance: instanceName, accepted: {status: 200, body: {appended: 0}}});
		// Queries are signed too.
		const unsigned = await fetch(`${url}/query?limit=1`);
		expect(unsigned.status).toBe(401);
		expect(((await unsigned.json()) as {error: string}).error).toMatch(/^unsigned request: logstore needs/);
	});

	it('refuses a request replayed after the daemon restarts', async () => {
		const first = await logstoreProcess();
		const body = JSON.stringify({records: [record(1, 'usage', hostName())]});
		const headers = signedHeaders('logstore', keys, instanceName, body, '/append');
		expect(await post(first.url, '/append', body, headers)).toEqual({status: 200, body: {appended: 1}});
		first.daemon.kill();
		await first.daemon.exited;

		const second = await logstoreProcess();
		const replay = await post(second.url, '/append', body, headers);
		expect(replay.status).toBe(401);
		expect(replay.body.error).toMatch(/^replayed request: this nonce was already used/);
		expect((await second.client.query({host: hostName()})).records).toHaveLength(1);
	});

	it('admits a member added after it started without a restart, refuses it once removed, and refuses a rotated-away key once the instance holds the new one', async () => {
		const {url} = await logstoreProcess();
		const [host] = keys.hosts;
		if (host === undefined || keys.directoryHub === undefined) throw new Error('no test hub');
		await clientFor(url, host).append([record(1, 'access', hostName())]);
		const later = await registerHost(keys.directoryHub);
		await expect(clientFor(url, later).append([record(2, 'access', 'later')])).rejects.toThrow(/logstore refused POST \/append: not a member: host \d+ is not a member of instance "test-instance".*\(status 403\)/);
		const instance = path.join(temporary, 'instance');
		const members = keys.hosts.map(entry => entry.record.id);
		writeHostKeyRecord(instance, later);
		writeTestMembers(instance, keys, instanceName, [...members, later.record.id]);
		await new Promise(resolve => setTimeout(resolve, 1_100));
		await clientFor(url, later).append([record(2, 'access', `host-${later.record.id}`)]);
		writeTestMembers(instance, keys, instanceName, members);
		await new Promise(resolve => setTimeout(resolve, 1_100));
		await expect(clientFor(url, later).query({})).rejects.toThrow(/logstore refused GET \/query: not a member/);

		const rotated = await rotateHostKey(keys, host);
		// As `hub update` does: the new record replaces the old one in the instance.
		writeHostKeyRecord(instance, rotated);
		await new Promise(resolve => setTimeout(resolve, 1_100));
		await expect(clientFor(url, host).append([record(3, 'access', hostName())])).rejects.toThrow(/logstore refused POST \/append: bad signature/);
		await clientFor(url, rotated).append([record(4, 'access', hostName())]);
		expect((await clientFor(url, rotated).query({})).records.map(found => found.host)).toEqual([hostName(), `host-${later.record.id}`, hostName()]);
	}, 20_000);

	it('stores the host that signed, whatever the record claims: a forged host field is kept only as the source', async () => {
		const {url} = await logstoreProcess();
		await clientFor(url, keys.hosts[0]).append([record(1, 'error', hostName(1), {message: 'pretending to be the other host'}), record(2, 'access', `${hostName()}@alpha:8048`)]);
		const stored = (await clientFor(url, keys.hosts[1]).query({})).records;
		expect(stored).toEqual([
			{time: 1, kind: 'error', host: hostName(), source: hostName(1), data: {message: 'pretending to be the other host'}},
			{time: 2, kind: 'access', host: hostName(), source: `${hostName()}@alpha:8048`, data: {}},
		]);
		expect((await clientFor(url, keys.hosts[1]).query({host: hostName(1)})).records).toEqual([]);
	});
});
