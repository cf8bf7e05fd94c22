/*
 * `npm run bench:hub`: a legitimate registration at an `ampzero hub serve` while forged announces
 * hit it, beside the same registration at the idle hub. The hub runs as its own process (the built
 * bin/ampzero, started as a user starts it); the honest client registers from 127.0.0.1 in this process, and the forged announces come
 * from 127.0.0.2-4 out of a worker thread (bench/hub-flood.ts), so that the flood's own client work
 * never delays the honest timings. The keys a registration sends are made before its clock starts.
 *   - idle and burst, interleaved: `BENCH_REGISTRATIONS` (default 200) rounds, each one
 *     registration at the idle hub, then one sent while `BENCH_FLOOD` (default 300) forged announces
 *     are sent at once. Interleaving puts both under the same machine load, which drifts.
 *   - sustained: `BENCH_SUSTAINED` (default 100) registrations while `BENCH_FLOOD` loops each send
 *     a forged announce again as soon as the last is answered (at most 60 s): the hub saturated.
 * Prints p50/p99 of each, their ratio to idle, and what the flood got back.
 * `BENCH_HUB_BEFORE=<checkout>` measures, in the same run, the hub of another built checkout too
 * (e.g. the commit before a change), each against a fresh hub state.
 * `BENCH_HUB_ARGS="--connections-per-address 8"` passes more words to `hub serve`.
 * `BENCH_PROFILE=<directory>` runs the hub under `node --cpu-prof`, writing its profile there.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import crypto from 'node:crypto';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import http from 'node:http';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {Worker} from 'node:worker_threads';
import {floodSources, type FloodCommand, type FloodReport, type FloodTally} from './hub-flood.js';

const rounds = Number(process.env['BENCH_REGISTRATIONS'] ?? 200);
const sustainedCount = Number(process.env['BENCH_SUSTAINED'] ?? 100);
const floodSize = Number(process.env['BENCH_FLOOD'] ?? 300);
const beforeCheckout = process.env['BENCH_HUB_BEFORE'];
const profileDirectory = process.env['BENCH_PROFILE'];
/** Extra words for `hub serve` (e.g. `--connections-per-address 8`), to try a setting beside the default. */
const hubArguments = (process.env['BENCH_HUB_ARGS'] ?? '').split(/\s+/).filter(word => word !== '');
const floodAtMostMs = 60_000;

const here = path.dirname(fileURLToPath(import.meta.url));
const checkout = path.resolve(here, '../..');
const temporary = mkdtempSync(path.join(tmpdir(), 'ampzero-bench-hub-'));
let hubProcess: ChildProcess | undefined;
const worker = new Worker(path.join(here, 'hub-flood.js'));

function out(line: string): void {
	process.stdout.write(`${line}\n`);
}

/** Starts `ampzero hub serve` of `from` (a built checkout) on a free port; resolves with its URL once it prints it. */
function startHub(label: string, from: string): Promise<string> {
	const cli = path.join(from, 'bin', 'ampzero');
	// Node's flags of bin/ampzero's first line (`#!/usr/bin/env -S node FLAGS`), as when a user runs it.
	const cliFlags = (readFileSync(cli, 'utf8').split('\n')[0] ?? '').split(/\s+/).slice(3);
	const profile = profileDirectory === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', path.resolve(profileDirectory)];
	const child = spawn(
		process.execPath,
		[...cliFlags, ...profile, cli, 'hub', 'serve', '--port', '0', '--state', path.join(temporary, `hub-${label}`), '--register-limit', '100000', '--register-limit-total', '1000000', ...hubArguments],
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

/** Stops the hub with SIGTERM (so that a profile is written), SIGKILL if it is not gone within 10 s. */
async function stopHub(): Promise<void> {
	const child = hubProcess;
	hubProcess = undefined;
	if (child?.pid === undefined || child.exitCode !== null) return;
	const gone = new Promise(resolve => child.once('exit', resolve));
	child.kill('SIGTERM');
	const timer = setTimeout(() => killGroup(child), 10_000);
	await gone;
	clearTimeout(timer);
}

function killGroup(child: ChildProcess): void {
	try {
		if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
	} catch {
		// Already gone.
	}
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

/** A base64 Ed25519 public key, as `ampzero init` sends it. */
function publicKey(): string {
	const der = crypto.generateKeyPairSync('ed25519').publicKey.export({format: 'der', type: 'spki'});
	return der.subarray(der.length - 32).toString('base64');
}

/** Legitimate registrations that failed (answered other than 200, or not at all), with why. */
const failures: string[] = [];

/** One registration, timed from its request to its answer; a failed one counts with the time it took to fail. */
async function register(url: string, agent: http.Agent): Promise<{ms: number; id: number}> {
	const body = {kind: 'host', publicKey: publicKey(), controlPublicKey: publicKey()};
	const started = performance.now();
	let answer: Answer;
	try {
		answer = await post(url, '/v1/register', body, agent);
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

const pause = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

function percentile(values: number[], fraction: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

/** Sends `command` to the flood worker and resolves with its first report of type `until`. */
function ask<T extends FloodReport['type']>(command: FloodCommand | undefined, until: T): Promise<Extract<FloodReport, {type: T}>> {
	return new Promise(resolve => {
		const listen = (report: FloodReport): void => {
			if (report.type !== until) return;
			worker.off('message', listen);
			resolve(report as Extract<FloodReport, {type: T}>);
		};
		worker.on('message', listen);
		if (command) worker.postMessage(command);
	});
}

function addTally(into: FloodTally, from: FloodTally): void {
	for (const key of Object.keys(into) as Array<keyof FloodTally>) into[key] += from[key];
}

async function main(): Promise<void> {
	const hubs: Array<[string, string]> = [['this checkout', checkout]];
	if (beforeCheckout !== undefined) hubs.push([`before (${beforeCheckout})`, path.resolve(beforeCheckout)]);
	for (const [index, [label, from]] of hubs.entries()) {
		out(`--- hub of ${label}`);
		failures.length = 0;
		await measure(`hub${index}`, from);
		await stopHub();
	}
}

async function measure(label: string, from: string): Promise<void> {
	const url = await startHub(label, from);
	const honest = new http.Agent({keepAlive: true, maxSockets: 1, localAddress: '127.0.0.1'});
	const target = await register(url, honest);
	if (target.id === 0) throw new Error(`the first registration failed: ${failures.join('; ')}`);
	for (let index = 0; index < 5; index++) await register(url, honest);

	const idle: number[] = [];
	const burst: number[] = [];
	const burstTally: FloodTally = {sent: 0, refused403: 0, busy503: 0, other: 0, dropped: 0};
	for (let round = 0; round < rounds; round++) {
		idle.push((await register(url, honest)).ms);
		await pause(20);
		const done = ask({type: 'burst', url, hostId: target.id, size: floodSize, firstSequence: round * floodSize + 1}, 'burstDone');
		await ask(undefined, 'sent');
		burst.push((await register(url, honest)).ms);
		addTally(burstTally, (await done).tally);
		await pause(20);
	}

	worker.postMessage({type: 'start', url, hostId: target.id, size: floodSize, atMostMs: floodAtMostMs} satisfies FloodCommand);
	await pause(1_000);
	const sustained: number[] = [];
	for (let index = 0; index < sustainedCount; index++) {
		sustained.push((await register(url, honest)).ms);
		await pause(20);
	}
	const {tally: sustainedTally} = await ask({type: 'stop'}, 'floodDone');
	honest.destroy();

	const ratio = (times: number[], at: number): number => percentile(times, at) / percentile(idle, at);
	const line = (name: string, times: number[]): string =>
		`  ${name.padEnd(26)} p50 ${percentile(times, 0.5).toFixed(1).padStart(7)} ms   p99 ${percentile(times, 0.99).toFixed(1).padStart(7)} ms   (${times.length} registrations)` +
		(times === idle ? '' : `   ${ratio(times, 0.5).toFixed(2)}× / ${ratio(times, 0.99).toFixed(2)}× idle`);
	const tallyLine = (flood: FloodTally): string =>
		`    ${flood.sent} forged announces: ${flood.refused403} refused 403, ${flood.busy503} answered 503 busy, ${flood.dropped} connections closed, ${flood.other} other`;
	out(`legitimate registrations from 127.0.0.1; forged announces from ${floodSources.join(', ')}`);
	out(line('idle (interleaved)', idle));
	out(line(`burst of ${floodSize} with each`, burst));
	out(tallyLine(burstTally));
	out(line(`sustained flood of ${floodSize}`, sustained));
	out(tallyLine(sustainedTally));
	if (failures.length > 0) out(`  ${failures.length} legitimate registrations failed (counted with the time they took): ${[...new Set(failures)].slice(0, 3).join('; ')}`);
	const met = ratio(burst, 0.5) <= 2 && ratio(burst, 0.99) <= 2;
	out(`target: a registration under ${floodSize} concurrent forged announces within 2× its idle time: p50 ${ratio(burst, 0.5).toFixed(2)}×, p99 ${ratio(burst, 0.99).toFixed(2)}× (${met ? 'met' : 'missed'})`);
}

function cleanUp(): void {
	if (hubProcess) killGroup(hubProcess);
	void worker.terminate();
	rmSync(temporary, {recursive: true, force: true});
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
