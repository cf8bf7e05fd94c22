/*
 * `npm run bench:hub`: a legitimate registration at an `ampzero hub serve` while forged announces
 * hit it, beside the same registrations at the idle hub. The hub runs as its own process (the
 * built CLI); this process is the flood and the honest client, which registers from 127.0.0.1
 * while the forged announces come from 127.0.0.2-4. Each forged announce names a real host and
 * carries a well-formed signature made by the wrong key, so the hub must read the record and
 * verify it. Two floods, both bounded:
 *   - burst: with each registration, `BENCH_FLOOD` (default 300) forged announces sent at once;
 *   - sustained: `BENCH_FLOOD` loops, each sending a forged announce again as soon as the last is
 *     answered, for as long as the registrations take (at most 60 s): the hub saturated.
 * Prints p50/p99 of the registrations idle and under each flood, and what the flood got back, for
 * the hub as it serves by default and, in the same run, with `--connections-per-address 256` (what
 * it allowed before the default became 32), each against a fresh hub.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import crypto from 'node:crypto';
import {mkdtempSync, rmSync} from 'node:fs';
import http from 'node:http';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {newKeyPair} from '../services/keys/identity.js';

const registrations = Number(process.env['BENCH_REGISTRATIONS'] ?? 40);
const floodSize = Number(process.env['BENCH_FLOOD'] ?? 300);
const floodSources = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
const floodAtMostMs = 60_000;

const checkout = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const temporary = mkdtempSync(path.join(tmpdir(), 'ampzero-bench-hub-'));
let hubProcess: ChildProcess | undefined;

function out(line: string): void {
	process.stdout.write(`${line}\n`);
}

function cleanUp(): void {
	if (hubProcess?.pid !== undefined && hubProcess.exitCode === null) {
		try {
			process.kill(-hubProcess.pid, 'SIGKILL');
		} catch {
			// Already gone.
		}
	}
	rmSync(temporary, {recursive: true, force: true});
}

/** Starts `ampzero hub serve` on a free port; resolves with its URL once it prints it. */
function startHub(label: string, extraArgs: string[]): Promise<string> {
	const child = spawn(
		process.execPath,
		[path.join(checkout, 'bin', 'ampzero'), 'hub', 'serve', '--port', '0', '--state', path.join(temporary, `hub-${label}`), '--register-limit', '100000', '--register-limit-total', '1000000', ...extraArgs],
		{detached: true, stdio: ['ignore', 'pipe', 'inherit'], env: {...process.env, AMPZERO_HOME: path.join(temporary, 'home')}},
	);
	hubProcess = child;
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error('hub serve did not print its URL within 20 s')), 20_000);
		let text = '';
		child.stdout?.on('data', (chunk: Buffer) => {
			text += chunk.toString();
			const match = /hub listening on (http:\/\/\S+)/.exec(text);
			if (match?.[1]) {
				clearTimeout(timer);
				resolve(match[1]);
			}
		});
		child.once('exit', code => reject(new Error(`hub serve exited with ${code}`)));
	});
}

interface Answer {
	status: number;
	body: string;
}

function post(url: string, requestPath: string, body: unknown, agent: http.Agent): Promise<Answer> {
	const {hostname, port} = new URL(url);
	const text = JSON.stringify(body);
	return new Promise((resolve, reject) => {
		const request = http.request({host: hostname, port, method: 'POST', path: requestPath, agent, headers: {'content-type': 'application/json', 'content-length': Buffer.byteLength(text)}, timeout: 30_000}, response => {
			let answer = '';
			response.on('data', (chunk: Buffer) => (answer += chunk.toString()));
			response.on('end', () => resolve({status: response.statusCode ?? 0, body: answer}));
			response.on('error', reject);
		});
		request.on('timeout', () => request.destroy(new Error('timed out')));
		request.on('error', reject);
		request.end(text);
	});
}

/** Legitimate registrations that failed (answered other than 200, or not at all), with why. */
const failures: string[] = [];

/** One registration; a failed one counts with the time it took to fail. */
async function register(url: string, agent: http.Agent): Promise<{ms: number; id: number}> {
	const started = performance.now();
	let answer: Answer;
	try {
		answer = await post(url, '/v1/register', {kind: 'host', publicKey: newKeyPair().publicKey, controlPublicKey: newKeyPair().publicKey}, agent);
	} catch (error) {
		failures.push((error as Error).message);
		return {ms: performance.now() - started, id: 0};
	}
	const ms = performance.now() - started;
	if (answer.status !== 200) {
		failures.push(`${answer.status} ${answer.body.slice(0, 120)}`);
		return {ms, id: 0};
	}
	return {ms, id: (JSON.parse(answer.body) as {id: number}).id};
}

/** `count` registrations one after the other, with a short pause between them. */
async function timedRegistrations(url: string, agent: http.Agent, count: number): Promise<number[]> {
	const times: number[] = [];
	for (let index = 0; index < count; index++) {
		times.push((await register(url, agent)).ms);
		await new Promise(resolve => setTimeout(resolve, 20));
	}
	return times;
}

function percentile(values: number[], fraction: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

interface FloodTally {
	sent: number;
	refused403: number;
	busy503: number;
	other: number;
	dropped: number;
}

/** `floodSize` loops, each sending a forged announce of `hostId` again as soon as the last is answered, until `stop`. */
function flood(url: string, hostId: number, stop: {now: boolean}): {done: Promise<void>; tally: FloodTally} {
	const tally: FloodTally = {sent: 0, refused403: 0, busy503: 0, other: 0, dropped: 0};
	const agents = floodSources.map(localAddress => new http.Agent({keepAlive: true, maxSockets: Math.ceil(floodSize / floodSources.length), localAddress}));
	const deadline = Date.now() + floodAtMostMs;
	const loop = async (index: number): Promise<void> => {
		const agent = agents[index % agents.length] as http.Agent;
		for (let sequence = 1; !stop.now && Date.now() < deadline; sequence++) {
			const announce = {hostId, host: '203.0.113.66', port: 8040, at: new Date().toISOString(), sequence, signature: crypto.randomBytes(64).toString('base64')};
			tally.sent += 1;
			try {
				const answer = await post(url, '/v1/announce', announce, agent);
				if (answer.status === 403) tally.refused403 += 1;
				else if (answer.status === 503) {
					tally.busy503 += 1;
					await new Promise(resolve => setTimeout(resolve, 50));
				} else tally.other += 1;
			} catch {
				tally.dropped += 1;
				await new Promise(resolve => setTimeout(resolve, 50));
			}
		}
	};
	const done = Promise.all(Array.from({length: floodSize}, (_, index) => loop(index))).then(() => {
		for (const agent of agents) agent.destroy();
	});
	return {done, tally};
}

/** With each of `count` registrations, `floodSize` forged announces sent at the same moment. */
async function burstRegistrations(url: string, agent: http.Agent, hostId: number, count: number): Promise<{times: number[]; tally: FloodTally}> {
	const tally: FloodTally = {sent: 0, refused403: 0, busy503: 0, other: 0, dropped: 0};
	const agents = floodSources.map(localAddress => new http.Agent({keepAlive: true, maxSockets: Math.ceil(floodSize / floodSources.length), localAddress}));
	const times: number[] = [];
	for (let index = 0; index < count; index++) {
		const wave = Array.from({length: floodSize}, async (_, position) => {
			const announce = {hostId, host: '203.0.113.66', port: 8040, at: new Date().toISOString(), sequence: index * floodSize + position + 1, signature: crypto.randomBytes(64).toString('base64')};
			tally.sent += 1;
			try {
				const answer = await post(url, '/v1/announce', announce, agents[position % agents.length] as http.Agent);
				if (answer.status === 403) tally.refused403 += 1;
				else if (answer.status === 503) tally.busy503 += 1;
				else tally.other += 1;
			} catch {
				tally.dropped += 1;
			}
		});
		// The wave is on its way before the registration starts.
		await new Promise(resolve => setImmediate(resolve));
		times.push((await register(url, agent)).ms);
		await Promise.all(wave);
		await new Promise(resolve => setTimeout(resolve, 20));
	}
	for (const floodAgent of agents) floodAgent.destroy();
	return {times, tally};
}

function stopHub(): void {
	if (hubProcess?.pid !== undefined && hubProcess.exitCode === null) {
		try {
			process.kill(-hubProcess.pid, 'SIGKILL');
		} catch {
			// Gone already.
		}
	}
	hubProcess = undefined;
}

async function main(): Promise<void> {
	for (const [label, extraArgs] of [['default (32 connections per address)', []], ['before: 256 connections per address', ['--connections-per-address', '256']]] as const) {
		out(`--- ${label}`);
		failures.length = 0;
		await measure(label.split(' ')[0]!.replace(/\W/g, ''), [...extraArgs]);
		stopHub();
	}
}

async function measure(label: string, extraArgs: string[]): Promise<void> {
	const url = await startHub(label, extraArgs);
	const honest = new http.Agent({keepAlive: true, maxSockets: 1, localAddress: '127.0.0.1'});
	const target = await register(url, honest);
	if (target.id === 0) throw new Error(`the first registration failed: ${failures.join('; ')}`);
	await timedRegistrations(url, honest, 5);
	const idle = await timedRegistrations(url, honest, registrations);

	const burst = await burstRegistrations(url, honest, target.id, registrations);

	const stop = {now: false};
	const {done, tally} = flood(url, target.id, stop);
	await new Promise(resolve => setTimeout(resolve, 1_000));
	const flooded = await timedRegistrations(url, honest, registrations);
	const sentWhileMeasuring = tally.sent;
	stop.now = true;
	await done;
	honest.destroy();

	const line = (label: string, times: number[]): string =>
		`  ${label.padEnd(24)} p50 ${percentile(times, 0.5).toFixed(1).padStart(7)} ms   p99 ${percentile(times, 0.99).toFixed(1).padStart(7)} ms   (${times.length} registrations)`;
	const tallyLine = (flood: FloodTally): string =>
		`    ${flood.sent} forged announces: ${flood.refused403} refused 403, ${flood.busy503} answered 503 busy, ${flood.dropped} connections closed, ${flood.other} other`;
	out(`hub: legitimate registrations from 127.0.0.1, idle and under ${floodSize} concurrent forged announces from ${floodSources.join(', ')}`);
	out(line('idle', idle));
	out(line(`burst of ${floodSize} with each`, burst.times));
	out(tallyLine(burst.tally));
	out(line('sustained flood', flooded));
	out(`${tallyLine(tally)} (${sentWhileMeasuring} while measuring)`);
	if (failures.length > 0) out(`  ${failures.length} legitimate registrations failed (counted with the time they took): ${[...new Set(failures)].slice(0, 3).join('; ')}`);
	const ratio = (times: number[], at: number): number => percentile(times, at) / percentile(idle, at);
	out(`target: a registration under ${floodSize} concurrent forged announces within 2× its idle time: p50 ${ratio(burst.times, 0.5).toFixed(2)}×, p99 ${ratio(burst.times, 0.99).toFixed(2)}× (${ratio(burst.times, 0.5) <= 2 && ratio(burst.times, 0.99) <= 2 ? 'met' : 'missed'}); sustained p50 ${ratio(flooded, 0.5).toFixed(2)}×, p99 ${ratio(flooded, 0.99).toFixed(2)}×`);
}

process.on('SIGINT', () => {
	cleanUp();
	process.exit(130);
});
main()
	.then(() => cleanUp())
	.catch((error: unknown) => {
		process.stderr.write(`bench:hub: ${error instanceof Error ? error.message : String(error)}\n`);
		cleanUp();
		process.exitCode = 1;
	});
