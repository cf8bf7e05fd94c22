/*
 * `npm run bench:run`: `init --batch` wall time (target under 3 s), then on that fresh instance
 * 1. after a warm-up run, each daemon's own ready time (spawn to readiness probe passing), from an
 *    in-process supervisor, and the critical path through the dependency order (the floor for any run);
 * 2. `ampzero run NAME --batch` wall time to every daemon ready (command start to exit);
 * 3. `ampzero run NAME stop` wall time until no process of the instance is left in /proc.
 * Targets: run ≤ 1.5× the slowest daemon's own ready time (daemons that wait for their
 * dependencies themselves start at once, so a run can beat the critical path), stop ≤ 1 s.
 */
import {execFile} from 'node:child_process';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {loadInstanceConfig, type InstanceConfig} from '../services/config/amprun.js';
import {runPaths} from '../services/config/paths.js';
import {planRun} from '../services/daemons/run-plan.js';
import {groupMembers} from '../services/system/proc.js';
import {readPidFiles} from '../services/supervisor/pid-files.js';
import {Supervisor} from '../services/supervisor/supervisor.js';
import {letDaemonUserIn} from '../test/helpers/instance.js';
import {freePorts} from '../test/helpers/ports.js';
import {processesMentioning, processesInGroups} from '../test/helpers/run-processes.js';

const rounds = Number(process.env['RUN_ROUNDS'] ?? 3);
// Compiled to dist/bench/: the checkout is two levels up.
const ampzeroBin = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'), 'bin', 'ampzero');

interface TestInstance {
	directory: string;
	home: string;
	root: string;
	config: InstanceConfig;
}

/** A fresh instance from `init --batch` in a temp directory, every port free; how long init took. */
async function makeInstance(): Promise<{instance: TestInstance; initMs: number}> {
	const root = await mkdtemp(path.join(tmpdir(), 'ampzero-bench-run-'));
	await letDaemonUserIn(root);
	const directory = path.join(root, 'benchrun');
	const home = path.join(root, 'home');
	const ports = (await freePorts(9)).map(String);
	const names = ['--frontend-port', '--http-port', '--keyspace-client-port', '--keyspace-peer-port', '--redis-live-port', '--redis-data-port', '--logstore-port', '--zerodata-port', '--ampnode-ports'];
	const partial = {directory, home, root} as TestInstance;
	const began = performance.now();
	const result = await ampzero(partial, ['init', directory, '--batch', '--amprun-root', path.join(root, 'var'), ...names.flatMap((name, index) => [name, ports[index]!])]);
	const initMs = performance.now() - began;
	if (result.code !== 0) throw new Error(`init failed: ${result.stderr}`);
	return {instance: {...partial, config: await loadInstanceConfig(directory)}, initMs};
}

function ampzero(instance: TestInstance, args: string[]): Promise<{code: number; stdout: string; stderr: string}> {
	return new Promise(resolve => {
		execFile(process.execPath, [ampzeroBin, ...args], {env: {...process.env, AMPZERO_HOME: instance.home, CI: '1'}, timeout: 60_000}, (error, stdout, stderr) => {
			resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr});
		});
	});
}

async function ownReadyTimes(instance: TestInstance): Promise<{own: Map<string, number>; criticalPath: number; chain: string[]}> {
	const {plan} = await planRun(instance.directory, {server: false, debug: false, hub: false, natBypass: false});
	// Each daemon started only once its dependencies are ready, so its time is its own and not time spent waiting for them.
	const ordered = plan.specs.map(spec => ({...spec, waitsForDependencies: false}));
	const supervisor = new Supervisor({specs: ordered, files: plan.paths, info: plan.info});
	const startedAt = new Map<string, number>();
	const own = new Map<string, number>();
	supervisor.subscribe(event => {
		if (event.type !== 'daemon-state') return;
		if (event.daemon.state === 'starting') startedAt.set(event.daemon.name, performance.now());
		if (event.daemon.state === 'ready') own.set(event.daemon.name, performance.now() - startedAt.get(event.daemon.name)!);
	});
	const outcome = await supervisor.start();
	await supervisor.stopAll();
	if (!outcome.ok) throw new Error(`${outcome.daemon} failed: ${outcome.error}`);
	// Longest chain of own ready times through depends_on.
	const longest = new Map<string, {ms: number; chain: string[]}>();
	const walk = (name: string): {ms: number; chain: string[]} => {
		const known = longest.get(name);
		if (known) return known;
		const spec = plan.specs.find(candidate => candidate.name === name)!;
		const before = spec.dependsOn.map(walk).reduce((best, next) => (next.ms > best.ms ? next : best), {ms: 0, chain: [] as string[]});
		const result = {ms: before.ms + own.get(name)!, chain: [...before.chain, name]};
		longest.set(name, result);
		return result;
	};
	const worst = plan.specs.map(spec => walk(spec.name)).reduce((best, next) => (next.ms > best.ms ? next : best));
	return {own, criticalPath: worst.ms, chain: worst.chain};
}

async function timeRun(instance: TestInstance): Promise<number> {
	const began = performance.now();
	const result = await ampzero(instance, ['run', instance.directory, '--batch', '--no-hub', '--no-nat-bypass']);
	const elapsed = performance.now() - began;
	if (result.code !== 0) throw new Error(`run --batch exited ${result.code}: ${result.stderr}`);
	return elapsed;
}

async function timeStop(instance: TestInstance): Promise<{toEmpty: number; toExit: number}> {
	const root = runPaths(instance.config).root;
	const groups = readPidFiles(runPaths(instance.config).pids).map(record => record.pid);
	const alive = (): boolean => processesMentioning(instance.root).length > 0 || processesInGroups(groups).length > 0;
	const began = performance.now();
	const stopping = ampzero(instance, ['run', instance.directory, 'stop']);
	let toEmpty = Number.NaN;
	let exited = false;
	void stopping.then(() => (exited = true));
	while (Number.isNaN(toEmpty) || !exited) {
		if (Number.isNaN(toEmpty) && !alive()) toEmpty = performance.now() - began;
		if (performance.now() - began > 30_000) throw new Error(`stop did not empty the process table of ${root}`);
		await new Promise(resolve => setTimeout(resolve, 2));
	}
	const result = await stopping;
	if (result.code !== 0) throw new Error(`run stop exited ${result.code}: ${result.stderr}`);
	if (groups.some(pgid => groupMembers(pgid).length > 0)) throw new Error('processes left after stop');
	return {toEmpty, toExit: performance.now() - began};
}

const ms = (value: number): string => `${Math.round(value)} ms`;
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const {instance, initMs} = await makeInstance();
process.stdout.write(`init --batch, the whole instance: ${ms(initMs)}  → target < 3000 ms: ${initMs < 3000 ? 'met' : 'not met'}\n\n`);
try {
	// One run first: afterwards every daemon starts from existing data (etcd's WAL, redis's AOF), as every later run does.
	await timeRun(instance);
	await timeStop(instance);
	const {own, criticalPath, chain} = await ownReadyTimes(instance);
	const [slowestName, slowest] = [...own.entries()].reduce((best, next) => (next[1] > best[1] ? next : best));
	process.stdout.write('own ready time of each daemon (spawn to probe passing):\n');
	for (const [name, value] of own) process.stdout.write(`  ${name.padEnd(12)} ${ms(value)}\n`);
	process.stdout.write(`critical path (dependency order): ${ms(criticalPath)} via ${chain.join(' → ')}\n\n`);

	const runs: number[] = [];
	const stops: Array<{toEmpty: number; toExit: number}> = [];
	for (let round = 0; round < rounds; round++) {
		runs.push(await timeRun(instance));
		stops.push(await timeStop(instance));
	}
	const run = median(runs);
	const stopEmpty = median(stops.map(stop => stop.toEmpty));
	const stopExit = median(stops.map(stop => stop.toExit));
	process.stdout.write(`run --batch to all ready (median of ${rounds}): ${ms(run)}  [${runs.map(ms).join(', ')}]\n`);
	process.stdout.write(`  slowest daemon alone: ${slowestName} ${ms(slowest)}  → ${(run / slowest).toFixed(2)}×, target ≤ 1.5× (${ms(slowest * 1.5)}): ${run <= slowest * 1.5 ? 'met' : 'not met'}\n`);
	process.stdout.write(`  critical path ${ms(criticalPath)}  → overhead over it: ${ms(run - criticalPath)}\n`);
	process.stdout.write(`run stop to an empty process table (median of ${rounds}): ${ms(stopEmpty)}  [${stops.map(stop => ms(stop.toEmpty)).join(', ')}]; command exit ${ms(stopExit)}  → target ≤ 1000 ms: ${stopEmpty <= 1000 ? 'met' : 'not met'}\n`);
} finally {
	await ampzero(instance, ['run', instance.directory, 'quit']);
	await rm(instance.root, {recursive: true, force: true});
}
