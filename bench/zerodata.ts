/*
 * `npm run bench:zerodata`: zerodata put/get throughput and latency at 32 concurrent clients,
 * beside redis-benchmark SET/GET against a redis-server configured like the instance's data
 * redis (AOF on), in the same run on the same machine. zerodata runs in its own process, as
 * under `ampzero run`; this process is the 32 clients.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import net from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {newKeyPair, publicKeyStatement, signDetached} from '../services/keys/identity.js';
import {ZerodataClient} from '../services/zerodata/client.js';

const concurrency = 32;
const durationMs = Number(process.env['BENCH_DURATION_MS'] ?? 10_000);
const warmupMs = 1_000;
const redisRequests = 100_000;

const children: ChildProcess[] = [];
const temporary = mkdtempSync(path.join(tmpdir(), 'ampzero-bench-'));

function out(line: string): void {
	process.stdout.write(`${line}\n`);
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

async function startRedis(): Promise<number> {
	const port = await freePort();
	const directory = path.join(temporary, 'redis');
	spawnSync('mkdir', ['-p', directory]);
	// Like the instance's data redis: AOF on, fsync every second, no RDB snapshots.
	startDetached('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', directory, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--daemonize', 'no', '--logfile', '']);
	await waitFor('redis-server', () => redisPing(port));
	return port;
}

async function startZerodataProcess(hostId: number): Promise<{url: string; secretKey: string}> {
	const hubPair = newKeyPair();
	const hostPair = newKeyPair();
	const unsigned = {kind: 'host' as const, id: hostId, publicKey: hostPair.publicKey};
	const record = {...unsigned, hubSignature: signDetached(publicKeyStatement(unsigned), hubPair.secretKey)};
	const port = await freePort();
	const compiled = path.join(path.dirname(fileURLToPath(import.meta.url)), '../source/daemons');
	const server = pathToFileURL(path.join(compiled, 'zerodata/server.js')).href;
	const hostKeys = pathToFileURL(path.join(compiled, 'shared/host-keys.js')).href;
	const logger = pathToFileURL(path.join(compiled, 'shared/logger.js')).href;
	const options = {host: '127.0.0.1', port, directory: path.join(temporary, 'zerodata'), instance: 'bench'};
	const trust = {hub: {hub: 'embedded', publicKey: hubPair.publicKey}, hosts: [record]};
	const script = [
		`const {startZerodata} = await import(${JSON.stringify(server)});`,
		`const {StaticHostKeys} = await import(${JSON.stringify(hostKeys)});`,
		`const {silentLogger} = await import(${JSON.stringify(logger)});`,
		`const trust = ${JSON.stringify(trust)};`,
		`await startZerodata({...JSON.parse(process.env.ZERODATA_OPTIONS), hostKeys: new StaticHostKeys(trust.hosts, trust.hub, silentLogger)});`,
	].join('\n');
	startDetached(process.execPath, ['--input-type=module', '-e', script], {...process.env, ZERODATA_OPTIONS: JSON.stringify(options)});
	const url = `http://127.0.0.1:${port}`;
	await waitFor('zerodata', async () => (await fetch(`${url}/health`)).ok);
	return {url, secretKey: hostPair.secretKey};
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

async function benchZerodata(url: string, hostId: number, secretKey: string, coalesce: boolean): Promise<{put: Figures; get: Figures}> {
	const client = new ZerodataClient({url, hostId, secretKey, instance: 'bench', maxSockets: concurrency, coalesce});
	const payload = 'x'.repeat(100);
	const putLatencies: number[] = [];
	const getLatencies: number[] = [];
	let measuring = false;
	let stop = false;
	const worker = async (worker: number): Promise<void> => {
		for (let i = 0; !stop; i++) {
			const id = (coalesce ? 1 : 2) * 1_000_000_000 + worker * 10_000_000 + i + 1;
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
	const start = performance.now();
	await new Promise(resolve => setTimeout(resolve, durationMs));
	measuring = false;
	const elapsed = performance.now() - start;
	stop = true;
	await Promise.all(running);
	client.close();
	return {put: figures(putLatencies, elapsed), get: figures(getLatencies, elapsed)};
}

function benchRedis(port: number): {set: number; get: number} {
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
	return {set, get};
}

async function main(): Promise<void> {
	const hostId = 1;
	out(`zerodata vs redis, ${concurrency} concurrent clients, zerodata measured for ${durationMs / 1000} s after ${warmupMs / 1000} s warm-up`);
	const redisPort = await startRedis();
	const zerodata = await startZerodataProcess(hostId);
	const format = (name: string, f: Figures): string =>
		`${name.padEnd(13)} ${f.opsPerSecond.toFixed(0).padStart(8)} ops/s   p50 ${f.p50Ms.toFixed(2)} ms   p99 ${f.p99Ms.toFixed(2)} ms   (${f.ops} ops)`;
	// First as a plain per-operation client would talk: one signed HTTP request per put or get.
	const uncoalesced = await benchZerodata(zerodata.url, hostId, zerodata.secretKey, false);
	out('one signed request per operation (coalesce: false):');
	out(format('zerodata put', uncoalesced.put));
	out(format('zerodata get', uncoalesced.get));
	const result = await benchZerodata(zerodata.url, hostId, zerodata.secretKey, true);
	out('operations issued together share one signed request (coalesce: true, the default):');
	out(format('zerodata put', result.put));
	out(format('zerodata get', result.get));
	const redis = benchRedis(redisPort);
	out(`redis SET     ${redis.set.toFixed(0).padStart(8)} ops/s   (redis-benchmark -c ${concurrency} -n ${redisRequests})`);
	out(`redis GET     ${redis.get.toFixed(0).padStart(8)} ops/s`);
	// Each zerodata client alternates put and get, so its put and get rates add up to its op rate.
	const zerodataTotal = result.put.opsPerSecond + result.get.opsPerSecond;
	const redisMean = (redis.set + redis.get) / 2;
	const ratio = zerodataTotal / redisMean;
	const worstP99 = Math.max(result.put.p99Ms, result.get.p99Ms);
	out(`ratio zerodata/redis: ${ratio.toFixed(3)} (put+get ${zerodataTotal.toFixed(0)} ops/s vs redis mean of SET and GET ${redisMean.toFixed(0)} ops/s)`);
	out(`target ≥ 0.2× and p99 ≤ 10 ms: ${ratio >= 0.2 && worstP99 <= 10 ? 'met' : 'missed'}`);
}

process.on('SIGINT', () => {
	stopChildren();
	process.exit(130);
});

try {
	await main();
} catch (error) {
	process.stderr.write(`bench:zerodata: ${error instanceof Error ? error.message : String(error)}\n`);
	process.exitCode = 1;
} finally {
	stopChildren();
	rmSync(temporary, {recursive: true, force: true});
}
