/*
 * `npm run bench:zerodata [-- --engine sqlite|postgresql] [-- --processes N]`: zerodata put/get
 * throughput and latency at 32 concurrent clients, beside redis-benchmark SET/GET against a
 * redis-server configured like the instance's data redis (AOF on), in the same run on the same
 * machine. zerodata runs in its own processes, as under `ampzero run`; this process is the 32
 * clients (spread over the zerodata processes). Without options it runs SQLite with one process,
 * then PostgreSQL with one and with two processes over one database, and prints the CPU seconds
 * of zerodata, PostgreSQL and this load generator beside each, so the ceiling of the machine shows.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import net from 'node:net';
import {availableParallelism, tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {parseArgs} from 'node:util';
import {keyFileName, newKeyPair, publicKeyStatement, signDetached, type PublicKeyRecord} from '../services/keys/identity.js';
import {membersFileContent, membersFileName, signMembers} from '../services/keys/members.js';
import {keyFileContent} from '../services/keys/store.js';
import {ZerodataClient} from '../services/zerodata/client.js';
import {startTestPostgresql, type TestPostgresql} from '../test/helpers/postgresql.js';
import {procStat, treeCpu} from './proc-stats.js';

type Engine = 'sqlite' | 'postgresql';
interface Setup {
	engine: Engine;
	processes: number;
}

const concurrency = 32;
const durationMs = Number(process.env['BENCH_DURATION_MS'] ?? 10_000);
const warmupMs = 1_000;
const redisRequests = 100_000;
const instance = 'bench';

const children: ChildProcess[] = [];
const temporary = mkdtempSync(path.join(tmpdir(), 'ampzero-bench-'));
let postgresql: TestPostgresql | undefined;

function out(line: string): void {
	process.stdout.write(`${line}\n`);
}

function usage(message: string): never {
	process.stderr.write(`bench:zerodata: ${message}\nusage: npm run bench:zerodata [-- --engine sqlite|postgresql] [--processes N]\n`);
	process.exit(2);
}

function setups(): Setup[] {
	let parsed;
	try {
		parsed = parseArgs({options: {engine: {type: 'string'}, processes: {type: 'string'}}, strict: true});
	} catch (error) {
		return usage((error as Error).message);
	}
	const {engine, processes} = parsed.values;
	if (engine !== undefined && engine !== 'sqlite' && engine !== 'postgresql') usage(`--engine must be sqlite or postgresql, not "${engine}"`);
	const count = processes === undefined ? undefined : Number(processes);
	if (count !== undefined && (!Number.isInteger(count) || count < 1 || count > 8)) usage(`--processes must be a whole number from 1 to 8, not "${processes}"`);
	if (engine === 'sqlite' && count !== undefined && count > 1) usage('SQLite serves one zerodata process; use --engine postgresql for more');
	if (engine === undefined && count === undefined) {
		return [
			{engine: 'sqlite', processes: 1},
			{engine: 'postgresql', processes: 1},
			{engine: 'postgresql', processes: 2},
		];
	}
	return [{engine: engine ?? (count !== undefined && count > 1 ? 'postgresql' : 'sqlite'), processes: count ?? 1}];
}

function stopChildren(): void {
	for (const child of children) {
		if (child.pid !== undefined && child.exitCode === null) {
			try {
				process.kill(-child.pid, 'SIGKILL');
			} catch {
				// Already gone.
			}
		}
	}
}

async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
		});
	});
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await check().catch(() => false)) return;
		await new Promise(resolve => setTimeout(resolve, 50));
	}
	throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
}

function redisPing(port: number): Promise<boolean> {
	return new Promise(resolve => {
		const socket = net.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
		socket.on('data', data => {
			resolve(data.toString().startsWith('+PONG'));
			socket.destroy();
		});
		socket.on('error', () => resolve(false));
	});
}

function startDetached(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
	const child = spawn(command, args, {detached: true, stdio: ['ignore', 'ignore', 'inherit'], env});
	children.push(child);
	return child;
}

async function startRedis(): Promise<{port: number; pid: number}> {
	const port = await freePort();
	const directory = path.join(temporary, 'redis');
	spawnSync('mkdir', ['-p', directory]);
	// Like the instance's data redis: AOF on, fsync every second, no RDB snapshots.
	const child = startDetached('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', directory, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--daemonize', 'no', '--logfile', '']);
	await waitFor('redis-server', () => redisPing(port));
	return {port, pid: child.pid ?? 0};
}

interface Trust {
	hub: {hub: string; publicKey: string};
	record: PublicKeyRecord;
	secretKey: string;
	/** An instance directory with the owner's key and \`ampnode/members.json\` listing the host, as init makes it. */
	instanceDirectory: string;
}

function makeTrust(hostId: number, index: number): Trust {
	const hubPair = newKeyPair();
	const hostPair = newKeyPair();
	const ownerPair = newKeyPair();
	const signed = (kind: 'host' | 'user', id: number, publicKey: string): PublicKeyRecord => {
		const unsigned = {kind, id, publicKey};
		return {...unsigned, hubSignature: signDetached(publicKeyStatement(unsigned), hubPair.secretKey)};
	};
	const hub = {hub: 'embedded', publicKey: hubPair.publicKey};
	const instanceDirectory = path.join(temporary, `instance-${index}`);
	const ampnode = path.join(instanceDirectory, 'ampnode');
	mkdirSync(ampnode, {recursive: true});
	writeFileSync(path.join(ampnode, 'hub.public.key'), keyFileContent(hub));
	writeFileSync(path.join(ampnode, keyFileName('user', 1, 'public')), keyFileContent(signed('user', 1, ownerPair.publicKey)));
	const members = signMembers({instance, owner: 1, signedAt: new Date().toISOString(), members: [{hostId, name: 'bench'}]}, ownerPair.secretKey);
	writeFileSync(path.join(ampnode, membersFileName), membersFileContent(members));
	return {hub, record: signed('host', hostId, hostPair.publicKey), secretKey: hostPair.secretKey, instanceDirectory};
}

/** One zerodata process, started the way the daemon starts it (members from the instance's signed members file) but with a fixed trusted host key. */
async function startZerodataProcess(trust: Trust, directory: string, engine: {engine: 'sqlite'} | {engine: 'postgresql'; url: string}): Promise<{url: string; pid: number}> {
	const port = await freePort();
	const compiled = path.join(path.dirname(fileURLToPath(import.meta.url)), '../source/daemons');
	const server = pathToFileURL(path.join(compiled, 'zerodata/server.js')).href;
	const hostKeys = pathToFileURL(path.join(compiled, 'shared/host-keys.js')).href;
	const logger = pathToFileURL(path.join(compiled, 'shared/logger.js')).href;
	const membership = pathToFileURL(path.join(compiled, 'shared/membership.js')).href;
	const options = {host: '127.0.0.1', port, directory, instance, engine};
	const script = [
		`const {startZerodata} = await import(${JSON.stringify(server)});`,
		`const {StaticHostKeys} = await import(${JSON.stringify(hostKeys)});`,
		`const {silentLogger} = await import(${JSON.stringify(logger)});`,
		`const {InstanceMembership} = await import(${JSON.stringify(membership)});`,
		`const trust = ${JSON.stringify({hub: trust.hub, hosts: [trust.record], instanceDirectory: trust.instanceDirectory})};`,
		`const members = new InstanceMembership({instanceDirectory: trust.instanceDirectory, owner: {name: ${JSON.stringify(instance)}, userId: 1}, logger: silentLogger});`,
		`await startZerodata({...JSON.parse(process.env.ZERODATA_OPTIONS), members, hostKeys: new StaticHostKeys(trust.hosts, trust.hub, silentLogger)});`,
	].join('\n');
	const child = startDetached(process.execPath, ['--input-type=module', '-e', script], {...process.env, ZERODATA_OPTIONS: JSON.stringify(options)});
	const url = `http://127.0.0.1:${port}`;
	await waitFor('zerodata', async () => (await fetch(`${url}/health`)).ok);
	return {url, pid: child.pid ?? 0};
}

interface Figures {
	ops: number;
	opsPerSecond: number;
	p50Ms: number;
	p99Ms: number;
}

function figures(latenciesMs: number[], elapsedMs: number): Figures {
	const sorted = Float64Array.from(latenciesMs).sort();
	const at = (fraction: number): number => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
	return {ops: sorted.length, opsPerSecond: (sorted.length / elapsedMs) * 1000, p50Ms: at(0.5), p99Ms: at(0.99)};
}

interface CpuSeconds {
	zerodata: number;
	postgresql: number;
	loadGenerator: number;
}

function cpuNow(zerodataPids: number[]): CpuSeconds {
	const usage = process.cpuUsage();
	return {
		zerodata: zerodataPids.reduce((sum, pid) => sum + (procStat(pid)?.cpu ?? 0), 0),
		// The postmaster and every backend it forked, live or reaped.
		postgresql: postgresql === undefined ? 0 : treeCpu(postgresql.pid, () => true),
		loadGenerator: (usage.user + usage.system) / 1e6,
	};
}

/** 32 clients, each alternating a put and a get of its own entity; operations issued together share one signed request. */
async function benchZerodata(urls: string[], trust: Trust, zerodataPids: number[]): Promise<{put: Figures; get: Figures; cpu: CpuSeconds}> {
	const clients = urls.map(url => new ZerodataClient({url, hostId: trust.record.id, secretKey: trust.secretKey, instance, maxSockets: Math.ceil(concurrency / urls.length)}));
	const payload = 'x'.repeat(100);
	const putLatencies: number[] = [];
	const getLatencies: number[] = [];
	let measuring = false;
	let stop = false;
	const worker = async (worker: number): Promise<void> => {
		const client = clients[worker % clients.length] as ZerodataClient;
		for (let i = 0; !stop; i++) {
			const id = worker * 10_000_000 + i + 1;
			const putStart = performance.now();
			await client.put('bench', id, {payload, worker, i});
			const getStart = performance.now();
			const entity = await client.get('bench', id);
			const end = performance.now();
			if (entity?.properties['i'] !== i) throw new Error(`read back the wrong entity for ${id}`);
			if (measuring) {
				putLatencies.push(getStart - putStart);
				getLatencies.push(end - getStart);
			}
		}
	};
	const running = Array.from({length: concurrency}, (_, index) => worker(index));
	await new Promise(resolve => setTimeout(resolve, warmupMs));
	measuring = true;
	const before = cpuNow(zerodataPids);
	const start = performance.now();
	await new Promise(resolve => setTimeout(resolve, durationMs));
	measuring = false;
	const elapsed = performance.now() - start;
	const after = cpuNow(zerodataPids);
	stop = true;
	await Promise.all(running);
	for (const client of clients) client.close();
	return {
		put: figures(putLatencies, elapsed),
		get: figures(getLatencies, elapsed),
		cpu: {zerodata: after.zerodata - before.zerodata, postgresql: after.postgresql - before.postgresql, loadGenerator: after.loadGenerator - before.loadGenerator},
	};
}

interface SetupResult {
	opsPerSecond: number;
	worstP99: number;
	/** CPU seconds of zerodata, PostgreSQL and the load generator per operation. */
	cpuPerOp: number;
}

async function runSetup(setup: Setup, index: number): Promise<SetupResult> {
	const trust = makeTrust(1, index);
	let engine: {engine: 'sqlite'} | {engine: 'postgresql'; url: string} = {engine: 'sqlite'};
	if (setup.engine === 'postgresql') {
		postgresql ??= await startTestPostgresql();
		engine = {engine: 'postgresql', url: await postgresql.freshDatabase()};
	}
	const started = [];
	for (let process = 0; process < setup.processes; process++) {
		started.push(await startZerodataProcess(trust, path.join(temporary, `zerodata-${index}-${process}`), engine));
	}
	const result = await benchZerodata(started.map(entry => entry.url), trust, started.map(entry => entry.pid));
	const label = `${setup.engine}, ${setup.processes} process${setup.processes > 1 ? 'es' : ''}`;
	const line = (name: string, f: Figures): string =>
		`  ${name.padEnd(4)} ${f.opsPerSecond.toFixed(0).padStart(8)} ops/s   p50 ${f.p50Ms.toFixed(2)} ms   p99 ${f.p99Ms.toFixed(2)} ms   (${f.ops} ops)`;
	const total = result.put.opsPerSecond + result.get.opsPerSecond;
	out(`zerodata on ${label}: ${total.toFixed(0)} ops/s put+get`);
	out(line('put', result.put));
	out(line('get', result.get));
	const {cpu} = result;
	const cpuPerOp = (cpu.zerodata + cpu.postgresql + cpu.loadGenerator) / (result.put.ops + result.get.ops);
	out(`  ${(cpuPerOp * 1e6).toFixed(1)} CPU µs per op (zerodata + PostgreSQL + load generator)`);
	out(`  CPU seconds over ${durationMs / 1000} s: zerodata ${cpu.zerodata.toFixed(2)}, PostgreSQL ${cpu.postgresql.toFixed(2)}, load generator ${cpu.loadGenerator.toFixed(2)} (sum ${(cpu.zerodata + cpu.postgresql + cpu.loadGenerator).toFixed(2)} of ${((durationMs / 1000) * availableParallelism()).toFixed(0)} available)`);
	for (const child of children.splice(children.length - setup.processes)) {
		if (child.pid !== undefined) {
			try {
				process.kill(-child.pid, 'SIGKILL');
			} catch {
				// Already gone.
			}
		}
	}
	return {opsPerSecond: total, worstP99: Math.max(result.put.p99Ms, result.get.p99Ms), cpuPerOp};
}

/** SET and GET ops/s, and the CPU seconds redis-server and redis-benchmark spent per operation. */
function benchRedis(port: number, redisPid: number): {set: number; get: number; cpuPerOp: number} {
	const serverBefore = procStat(redisPid)?.cpu ?? 0;
	const clientBefore = procStat(process.pid)?.childrenCpu ?? 0;
	const result = spawnSync('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), '-c', String(concurrency), '-n', String(redisRequests), '-t', 'set,get', '--csv'], {
		encoding: 'utf8',
		timeout: 120_000,
	});
	if (result.status !== 0) throw new Error(`redis-benchmark failed: ${result.stderr || result.error?.message}`);
	const rates: Record<string, number> = {};
	for (const line of result.stdout.split('\n')) {
		const cells = line.split(',').map(cell => cell.replace(/^"|"$/g, ''));
		const [test, rps] = cells;
		if (test !== undefined && rps !== undefined && Number.isFinite(Number(rps))) rates[test] = Number(rps);
	}
	const set = rates['SET'];
	const get = rates['GET'];
	if (set === undefined || get === undefined) throw new Error(`cannot read redis-benchmark output:\n${result.stdout}`);
	const cpu = (procStat(redisPid)?.cpu ?? 0) - serverBefore + (procStat(process.pid)?.childrenCpu ?? 0) - clientBefore;
	return {set, get, cpuPerOp: cpu / (2 * redisRequests)};
}

async function main(): Promise<void> {
	const chosen = setups();
	out(`zerodata vs redis, ${concurrency} concurrent clients, each zerodata setup measured for ${durationMs / 1000} s after ${warmupMs / 1000} s warm-up`);
	const redisServer = await startRedis();
	// redis-benchmark before and after the zerodata runs: on a busy machine the mean of both is the fairer yardstick.
	const redisRuns: number[] = [];
	const redisCpuPerOp: number[] = [];
	const measureRedis = (when: string): void => {
		const redis = benchRedis(redisServer.port, redisServer.pid);
		redisRuns.push((redis.set + redis.get) / 2);
		redisCpuPerOp.push(redis.cpuPerOp);
		out(`redis (${when}) SET ${redis.set.toFixed(0)} ops/s, GET ${redis.get.toFixed(0)} ops/s (redis-benchmark -c ${concurrency} -n ${redisRequests}), ${(redis.cpuPerOp * 1e6).toFixed(1)} CPU µs per op (server + benchmark)`);
	};
	measureRedis('before');
	const results = new Map<string, SetupResult>();
	for (const [index, setup] of chosen.entries()) results.set(`${setup.engine}:${setup.processes}`, await runSetup(setup, index));
	measureRedis('after');
	const redisMean = redisRuns.reduce((sum, value) => sum + value, 0) / redisRuns.length;
	const redisCost = redisCpuPerOp.reduce((sum, value) => sum + value, 0) / redisCpuPerOp.length;
	out(`redis mean of SET and GET over both runs: ${redisMean.toFixed(0)} ops/s, ${(redisCost * 1e6).toFixed(1)} CPU µs per op`);

	out('targets:');
	const sqlite = results.get('sqlite:1');
	if (sqlite !== undefined) {
		const ratio = sqlite.opsPerSecond / redisMean;
		out(`  SQLite ≥ 0.35× redis with p99 ≤ 10 ms: ${ratio.toFixed(3)}×, worst p99 ${sqlite.worstP99.toFixed(2)} ms: ${ratio >= 0.35 && sqlite.worstP99 <= 10 ? 'met' : 'missed'}`);
		// On a machine shared with other work, ops/s follow the share of CPU each run happened to get; CPU per op does not.
		out(`  (by CPU per op, whole system: SQLite costs ${(sqlite.cpuPerOp / redisCost).toFixed(2)}× what redis does, i.e. ${(redisCost / sqlite.cpuPerOp).toFixed(3)}× its ops per CPU second)`);
	}
	const one = results.get('postgresql:1');
	const two = results.get('postgresql:2');
	if (one !== undefined) out(`  PostgreSQL, 1 process: ${(one.opsPerSecond / redisMean).toFixed(3)}× redis, worst p99 ${one.worstP99.toFixed(2)} ms`);
	if (one !== undefined && two !== undefined) {
		const gain = two.opsPerSecond / one.opsPerSecond;
		out(`  PostgreSQL with 2 processes faster than with 1: ${gain.toFixed(2)}× (${two.opsPerSecond.toFixed(0)} vs ${one.opsPerSecond.toFixed(0)} ops/s): ${gain > 1 ? 'met' : 'missed'}`);
	}
}

process.on('SIGINT', () => {
	stopChildren();
	void postgresql?.stop().finally(() => process.exit(130));
});

try {
	await main();
} catch (error) {
	process.stderr.write(`bench:zerodata: ${error instanceof Error ? error.message : String(error)}\n`);
	process.exitCode = 1;
} finally {
	stopChildren();
	await postgresql?.stop();
	rmSync(temporary, {recursive: true, force: true});
}
