/*
 * `npm run bench:flood`: a daemon prints 1,000,000 lines as fast as it can (FLOOD_ROUNDS times,
 * 5 by default, half a second apart: one flood is over in well under a second, too few key
 * presses to time) while the dashboard
 * runs in tmux at 200×50 with `--no-daemon`, so one process is the dashboard and the supervisor.
 * Measured from the flood's start: that process's CPU seconds (utime+stime, with any children it
 * reaped; the emitter and the instance's other daemons are not counted, the daemons are shown
 * apart), its peak RSS (VmHWM), every line in the log file, and how fast `j`/`k` move the
 * selection during the flood. Then the same flood under mprocs in tmux at 200×50, measured the
 * same way, and the ratio.
 */
import {execFile, execFileSync} from 'node:child_process';
import {chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import yaml from 'js-yaml';
import {loadInstanceConfig} from '../services/config/amprun.js';
import {runPaths} from '../services/config/paths.js';
import {daemonUser} from '../services/daemons/daemon-user.js';
import {commandLine, descendants, peakRssMb, procStat, treeCpu} from './proc-stats.js';
import {letDaemonUserIn} from '../test/helpers/instance.js';
import {freePorts} from '../test/helpers/ports.js';
import {TmuxControl} from './tmux-control.js';

const run = promisify(execFile);
const lineCount = Number(process.env['FLOOD_LINES'] ?? 1_000_000);
const rounds = Number(process.env['FLOOD_ROUNDS'] ?? 5);
const totalLines = lineCount * rounds;
/** The emitter's trigger and done files of one round (see flood-emitter.js). */
const roundFile = (file: string, round: number): string => (round === 1 ? file : `${file}.${round}`);
/**
 * Flags for the node that runs the dashboard, e.g. `--optimize-for-size`, to compare V8 settings.
 * Without them the launcher runs as a user runs it, with the flags its first line gives node.
 */
const nodeFlags = process.env['FLOOD_NODE_FLAGS'] ?? '';
const columns = 200;
const rows = 50;
const checkout = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const emitter = path.join(checkout, 'bench', 'flood-emitter.js');
const ampzero = path.join(checkout, 'bin', 'ampzero');
const temporary = mkdtempSync(path.join(tmpdir(), 'ampzero-flood-'));
// Run as root, the daemons run as the daemons' user, who must enter this (0700) directory through its group.
await letDaemonUserIn(temporary);
const sockets: string[] = [];
const started: number[] = [];

function out(line = ''): void {
	process.stdout.write(`${line}\n`);
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

async function tmux(socket: string, ...args: string[]): Promise<string> {
	return (await run('tmux', ['-L', socket, ...args])).stdout;
}

async function startTmux(name: string, command: string, env: Record<string, string>): Promise<{socket: string; pid: number}> {
	const socket = `ampzero-flood-${process.pid}-${name}`;
	sockets.push(socket);
	const exports = Object.entries(env).map(([key, value]) => `${key}=${JSON.stringify(value)}`).join(' ');
	// exec: the pane's process is the program itself, so its pid is the one measured.
	await tmux(socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-x', String(columns), '-y', String(rows), `exec env -u CI TERM=xterm-256color ${exports} ${command}`);
	await tmux(socket, 'set-option', '-t', 'main', 'remain-on-exit', 'on');
	const pid = Number((await tmux(socket, 'display-message', '-p', '-t', 'main', '#{pane_pid}')).trim());
	started.push(pid);
	return {socket, pid};
}

async function capture(socket: string): Promise<string> {
	return tmux(socket, 'capture-pane', '-p', '-t', 'main');
}

async function waitForScreen(socket: string, test: (screen: string) => boolean, what: string, timeoutMs = 60_000): Promise<string> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const screen = await capture(socket);
		if (test(screen)) return screen;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen:\n${screen}`);
		await sleep(50);
	}
}

/** CPU of the measured process once it stops using any: no more than 20 ms over half a second. */
async function settledCpu(measure: () => number): Promise<{cpu: number; at: number}> {
	let previous = measure();
	for (;;) {
		await sleep(500);
		const now = measure();
		if (now - previous <= 0.02) return {cpu: now, at: Date.now()};
		previous = now;
	}
}

function isEmitter(pid: number): boolean {
	return commandLine(pid).includes('flood-emitter.js');
}

/**
 * Every line of the flood, in order, across the log file and its rotations. The files are read as
 * one stream: a rotation may fall inside a line, which then starts in one file and ends in the next.
 * Rotation drops the oldest files (several floods are more than it keeps): from the first line
 * kept to the last one written, none may be missing.
 */
function checkLogFiles(logs: string, name: string): {lines: number; firstKept: number; missing: number; firstMissing?: number} {
	const files = readdirSync(logs)
		.filter(file => file === `${name}.log` || file.startsWith(`${name}.log.`))
		.sort((a, b) => rotationIndex(b) - rotationIndex(a));
	let expected: number | undefined;
	let firstKept = 0;
	let lines = 0;
	let missing = 0;
	let firstMissing: number | undefined;
	let carry = '';
	const take = (line: string): void => {
		const match = /^flood (\d{7}) abcdefghi$/.exec(line);
		if (!match) return;
		const number = Number(match[1]);
		if (expected === undefined) firstKept = number;
		else if (number !== expected) {
			firstMissing ??= expected;
			missing += Math.max(0, number - expected);
		}
		expected = number + 1;
		lines++;
	};
	for (const file of files) {
		const parts = (carry + readFileSync(path.join(logs, file), 'utf8')).split('\n');
		carry = parts.pop() ?? '';
		for (const line of parts) take(line);
	}
	take(carry);
	expected ??= 1;
	missing += Math.max(0, totalLines + 1 - expected);
	if (expected <= totalLines) firstMissing ??= expected;
	return {lines, firstKept, missing, ...(firstMissing === undefined ? {} : {firstMissing})};
}

function rotationIndex(file: string): number {
	const match = /\.log\.(\d+)$/.exec(file);
	return match ? Number(match[1]) : 0;
}

/** The number of the last flood line in the log file (or in its last rotation, when it was just rotated). */
function lastFloodLine(logs: string, name: string): number {
	for (const file of [`${name}.log`, `${name}.log.1`]) {
		let text = '';
		try {
			const size = statSync(path.join(logs, file)).size;
			const handle = openSync(path.join(logs, file), 'r');
			try {
				const tail = Buffer.alloc(Math.min(size, 64));
				readSync(handle, tail, 0, tail.length, size - tail.length);
				text = tail.toString('utf8');
			} finally {
				closeSync(handle);
			}
		} catch {
			continue;
		}
		const numbers = [...text.matchAll(/flood (\d{7}) abcdefghi\n/g)];
		if (numbers.length > 0) return Number(numbers.at(-1)![1]);
	}
	return 0;
}

/** The daemon row the dashboard marks as selected (`›`). */
function selectedRow(screen: string): string | undefined {
	return screen.split('\n').find(line => line.startsWith('│› '))?.split(/\s+/)[2];
}

function daemonNames(screen: string): string[] {
	return screen
		.split('\n')
		.map(line => /^│[› ] \S (\S+) /.exec(line)?.[1])
		.filter((name): name is string => name !== undefined);
}

/**
 * Times key presses over a control-mode client: each press moves the selection between two rows,
 * and the time is until the screen marks the expected one.
 */
function keyTimer(client: TmuxControl, selected: (screen: string) => string | undefined, rows: [string, string], keys: [string, string] = ['k', 'j']) {
	let toFirst = true;
	const screenNow = async (): Promise<string> => (await client.run('capture-pane -p -t main')).join('\n');
	return async (): Promise<number> => {
		const target = toFirst ? rows[0] : rows[1];
		const sent = performance.now();
		await client.run(`send-keys -t main ${toFirst ? keys[0] : keys[1]}`);
		// Polled every few ms: a tight loop would take the CPU the app and tmux need.
		while (selected(await screenNow()) !== target) {
			// On a machine too busy to answer in 5 s, the press counts as 5 s and the timing goes on.
			if (performance.now() - sent > 5000) {
				toFirst = selected(await screenNow()) === rows[0] ? false : selected(await screenNow()) === rows[1] ? true : toFirst;
				return 5000;
			}
			await sleep(3);
		}
		toFirst = !toFirst;
		return Math.round(performance.now() - sent);
	};
}

interface Measured {
	cpu: number;
	cpuSettled: number;
	rss: number;
	seconds: number;
}

type Mode = 'no-daemon' | 'daemon';

interface DashboardMeasured extends Measured {
	mode: Mode;
	rssBefore: number;
	/** Daemon mode: the supervisor's own process, measured the same way. */
	supervisor?: {cpu: number; cpuSettled: number; rss: number};
	keyLatencies: number[];
	idleLatencies: number[];
	otherDaemonsCpu: number;
	check: ReturnType<typeof checkLogFiles>;
}

/** A fresh instance whose amprun.yaml adds the flood daemon. */
async function floodInstance(mode: Mode): Promise<{directory: string; home: string; logs: string; root: string; trigger: string; done: string}> {
	const home = path.join(temporary, `home-${mode}`);
	const directory = path.join(temporary, `flood-${mode}`);
	const ports = await freePorts(9);
	const port = (index: number): string => String(ports[index]);
	execFileSync(process.execPath, [
		ampzero, 'init', directory, '--batch', '--amprun-root', path.join(temporary, `var-${mode}`),
		'--frontend-port', port(0), '--http-port', port(1), '--keyspace-client-port', port(2), '--keyspace-peer-port', port(3),
		'--redis-live-port', port(4), '--redis-data-port', port(5), '--logstore-port', port(6), '--zerodata-port', port(7),
		'--ampnode-ports', port(8),
	], {env: {...process.env, AMPZERO_HOME: home}, stdio: ['ignore', 'ignore', 'inherit']});
	// The emitter runs as the daemons' user when this runs as root: its done file goes where that user may write.
	const signals = path.join(temporary, `signals-${mode}`);
	mkdirSync(signals, {mode: 0o700});
	const user = daemonUser();
	if (user) chownSync(signals, user.uid, user.gid);
	const trigger = path.join(signals, 'trigger');
	const done = path.join(signals, 'done');
	const amprun = path.join(directory, 'amprun.yaml');
	const document = yaml.load(readFileSync(amprun, 'utf8')) as Record<string, unknown>;
	document['daemons'] = [{name: 'flood', command: `exec node ${emitter} ${lineCount} ${trigger} ${done}`, ready: {log: 'flood: waiting'}}];
	writeFileSync(amprun, yaml.dump(document));
	const paths = runPaths(await loadInstanceConfig(directory));
	return {directory, home, logs: paths.logs, root: paths.root, trigger, done};
}

function supervisorOf(runRoot: string): number | undefined {
	for (const file of ['supervisor.pid', 'supervisor.lock']) {
		try {
			const pid = Number(readFileSync(path.join(runRoot, file), 'utf8').split('\n')[0]);
			if (pid > 0) return pid;
		} catch {
			// Not there (yet).
		}
	}
	return undefined;
}

async function benchDashboard(mode: Mode): Promise<DashboardMeasured> {
	const {directory, home, logs, root, trigger, done} = await floodInstance(mode);
	let control: TmuxControl | undefined;
	const flags = mode === 'no-daemon' ? '--no-daemon --no-hub --no-nat-bypass' : '--no-hub --no-nat-bypass';
	const launcher = nodeFlags ? `node ${nodeFlags} ${ampzero}` : ampzero;
	const {socket, pid} = await startTmux(`dashboard-${mode}`, `${launcher} run ${directory} ${flags}`, {AMPZERO_HOME: home});
	let supervisorPid: number | undefined;
	try {
		await waitForScreen(socket, screen => /all \d+ ready/.test(screen), 'every daemon ready');
		supervisorPid = mode === 'daemon' ? supervisorOf(root) : undefined;
		if (mode === 'daemon' && supervisorPid === undefined) throw new Error(`no supervisor pid under ${root}`);
		// Select the flood daemon (the last one): its log is the pane that has to keep up.
		await tmux(socket, 'send-keys', '-t', 'main', 'k');
		await waitForScreen(socket, screen => selectedRow(screen) === 'flood', 'the flood daemon selected', 5000);
		const holder = supervisorPid ?? pid;
		const daemonPids = descendants(holder).filter(child => !isEmitter(child));
		const measure = (): number => treeCpu(pid, () => false);
		const measureSupervisor = (): number => (supervisorPid === undefined ? 0 : treeCpu(supervisorPid, () => false));
		const others = (): number => daemonPids.reduce((sum, child) => sum + (procStat(child)?.cpu ?? 0), 0);
		// A control-mode client: keys and screen reads without starting a tmux process for each.
		await tmux(socket, 'set-option', '-t', 'main', 'window-size', 'manual');
		const client = new TmuxControl(socket, 'main');
		control = client;
		await client.run('refresh-client -f no-output');
		await sleep(1000);

		const above = daemonNames((await client.run('capture-pane -p -t main')).join('\n')).at(-2);
		if (above === undefined) throw new Error('no daemon above flood in the list');
		// k moves from flood (last) to the daemon above it, j moves back.
		const pressAndTime = keyTimer(client, selectedRow, [above, 'flood']);
		const idleLatencies: number[] = [];
		for (let press = 0; press < 6; press++) {
			idleLatencies.push(await pressAndTime());
			await sleep(100);
		}

		const before = measure();
		const supervisorBefore = measureSupervisor();
		const othersBefore = others();
		const rssBefore = peakRssMb(pid);
		const start = Date.now();
		const keyLatencies: number[] = [];
		for (let round = 1; round <= rounds; round++) {
			if (round > 1) await sleep(500);
			writeFileSync(roundFile(trigger, round), '');
			while (lastFloodLine(logs, 'flood') < lineCount * round && Date.now() - start < 300_000) {
				if (!existsSync(roundFile(done, round))) keyLatencies.push(await pressAndTime());
				await sleep(20);
			}
		}
		const cpu = measure() - before;
		const supervisorCpu = measureSupervisor() - supervisorBefore;
		const seconds = (Date.now() - start) / 1000;
		const settled = await settledCpu(() => measure() + measureSupervisor());
		const measured: DashboardMeasured = {
			mode,
			cpu,
			cpuSettled: measure() - before,
			rss: peakRssMb(pid),
			rssBefore,
			...(supervisorPid === undefined
				? {}
				: {supervisor: {cpu: supervisorCpu, cpuSettled: measureSupervisor() - supervisorBefore, rss: peakRssMb(supervisorPid)}}),
			seconds,
			keyLatencies,
			idleLatencies,
			otherDaemonsCpu: others() - othersBefore,
			check: checkLogFiles(logs, 'flood'),
		};
		void settled;
		// Leave as a user would: q, then s stops everything.
		await tmux(socket, 'send-keys', '-t', 'main', 'q');
		await sleep(200);
		await tmux(socket, 'send-keys', '-t', 'main', 's');
		for (const deadline = Date.now() + 30_000; (procStat(pid) !== undefined || (supervisorPid !== undefined && procStat(supervisorPid) !== undefined)) && Date.now() < deadline; ) await sleep(100);
		return measured;
	} finally {
		control?.close();
		for (const holder of [pid, supervisorPid]) {
			if (holder === undefined) continue;
			for (const child of [...descendants(holder), holder]) {
				try {
					process.kill(child, 'SIGKILL');
				} catch {
					// Gone already.
				}
			}
		}
	}
}

function mprocsBinary(): string {
	const directory = path.join(checkout, 'node_modules', 'mprocs');
	const arch = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
	const binary = readdirSync(directory).find(file => file.startsWith('mprocs-') && file.includes(`linux-${arch}`));
	if (!binary) throw new Error(`no mprocs binary for linux-${arch} in ${directory}: run npm install`);
	// The package ships each platform's binary in a directory of its own.
	return path.join(directory, binary, 'mprocs');
}

/** mprocs marks the selected process with `•`. */
function mprocsSelected(screen: string): string | undefined {
	return /^┃•(\S+)/m.exec(screen)?.[1];
}

async function benchMprocs(): Promise<Measured & {keyLatencies: number[]; idleLatencies: number[]}> {
	const trigger = path.join(temporary, 'mprocs.trigger');
	const done = path.join(temporary, 'mprocs.done');
	const config = path.join(temporary, 'mprocs.yaml');
	// A second, quiet process gives the selection somewhere to move, as the daemon list does for the dashboard.
	writeFileSync(config, yaml.dump({procs: {flood: {shell: `exec node ${emitter} ${lineCount} ${trigger} ${done}`}, idle: {shell: 'exec sleep 600'}}}));
	const {socket, pid} = await startTmux('mprocs', `${mprocsBinary()} --config ${config}`, {});
	let control: TmuxControl | undefined;
	try {
		await waitForScreen(socket, screen => screen.includes('flood: waiting') && mprocsSelected(screen) === 'flood', 'mprocs to run the emitter');
		const measure = (): number => treeCpu(pid, child => !isEmitter(child) && !commandLine(child).startsWith('/bin/sh') && !commandLine(child).startsWith('sleep'));
		await tmux(socket, 'set-option', '-t', 'main', 'window-size', 'manual');
		const client = new TmuxControl(socket, 'main');
		control = client;
		await client.run('refresh-client -f no-output');
		const pressAndTime = keyTimer(client, mprocsSelected, ['idle', 'flood'], ['j', 'k']);
		await sleep(1000);
		const idleLatencies: number[] = [];
		for (let press = 0; press < 6; press++) {
			idleLatencies.push(await pressAndTime());
			await sleep(100);
		}
		const before = measure();
		const start = Date.now();
		const keyLatencies: number[] = [];
		for (let round = 1; round <= rounds; round++) {
			if (round > 1) await sleep(500);
			writeFileSync(roundFile(trigger, round), '');
			while (!existsSync(roundFile(done, round)) && Date.now() - start < 300_000) {
				keyLatencies.push(await pressAndTime());
				await sleep(20);
			}
		}
		const cpu = measure() - before;
		const seconds = (Date.now() - start) / 1000;
		const settled = await settledCpu(measure);
		return {cpu, cpuSettled: settled.cpu - before, rss: peakRssMb(pid), seconds, keyLatencies, idleLatencies};
	} finally {
		control?.close();
		for (const child of [...descendants(pid), pid]) {
			try {
				process.kill(child, 'SIGKILL');
			} catch {
				// Gone already.
			}
		}
	}
}

function percentile(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? Number.NaN;
}

function printDashboard(ours: DashboardMeasured): void {
	out();
	if (ours.mode === 'no-daemon') {
		out(`ampzero run --no-daemon: the dashboard and the supervisor in one process${nodeFlags ? ` (node ${nodeFlags})` : ''}`);
	} else {
		out(`ampzero run (daemonised): the dashboard and the supervisor in two processes${nodeFlags ? ` (node ${nodeFlags})` : ''}`);
	}
	out(`  lines in the log files     ${ours.check.lines.toLocaleString('en')}: ${ours.check.firstKept.toLocaleString('en')} (older ones rotated away) to ${totalLines.toLocaleString('en')}, missing ${ours.check.missing}${ours.check.firstMissing ? ` (first ${ours.check.firstMissing})` : ''}`);
	out(`  floods to last line logged ${ours.seconds.toFixed(2)} s (with ${rounds - 1} pauses of 0.5 s)`);
	const who = ours.mode === 'no-daemon' ? 'dashboard+supervisor' : 'dashboard';
	out(`  ${who.padEnd(20)} CPU ${ours.cpu.toFixed(2)} s until all logged, ${ours.cpuSettled.toFixed(2)} s until quiet; peak RSS ${ours.rss.toFixed(1)} MB (${ours.rssBefore.toFixed(1)} MB before the flood)`);
	if (ours.supervisor) {
		out(`  ${'supervisor'.padEnd(20)} CPU ${ours.supervisor.cpu.toFixed(2)} s until all logged, ${ours.supervisor.cpuSettled.toFixed(2)} s until quiet; peak RSS ${ours.supervisor.rss.toFixed(1)} MB`);
	}
	out(`  keys j/k during the flood  ${ours.keyLatencies.length} presses, median ${percentile(ours.keyLatencies, 0.5)} ms, max ${Math.max(...ours.keyLatencies)} ms: ${ours.keyLatencies.join(', ')}`);
	out(`  keys j/k before the flood  ${ours.idleLatencies.length} presses, median ${percentile(ours.idleLatencies, 0.5)} ms, max ${Math.max(...ours.idleLatencies)} ms`);
	out(`  other daemons, same time   ${ours.otherDaemonsCpu.toFixed(2)} CPU-s (etcd, redis, nginx, node daemons; not counted above)`);
}

function totalCpu(ours: DashboardMeasured): number {
	return ours.cpuSettled + (ours.supervisor?.cpuSettled ?? 0);
}

async function main(): Promise<number> {
	out(`flood: ${rounds} × ${lineCount.toLocaleString('en')} lines of 24 bytes, tmux ${columns}×${rows}; keys timed over a tmux control-mode client (send-keys, then capture-pane until the selection moves)`);
	const runs: DashboardMeasured[] = [];
	for (const mode of ['no-daemon', 'daemon'] as const) {
		const ours = await benchDashboard(mode);
		printDashboard(ours);
		runs.push(ours);
	}

	const theirs = await benchMprocs();
	out();
	out('mprocs (same emitter, same terminal size; one process does both jobs)');
	out(`  floods to emitter done     ${theirs.seconds.toFixed(2)} s (with ${rounds - 1} pauses of 0.5 s)`);
	out(`  mprocs               CPU ${theirs.cpu.toFixed(2)} s until the emitter is done, ${theirs.cpuSettled.toFixed(2)} s until quiet; peak RSS ${theirs.rss.toFixed(1)} MB`);
	out(`  keys j/k during the flood  ${theirs.keyLatencies.length} presses, median ${percentile(theirs.keyLatencies, 0.5)} ms, max ${Math.max(...theirs.keyLatencies)} ms: ${theirs.keyLatencies.join(', ')}`);
	out(`  keys j/k before the flood  ${theirs.idleLatencies.length} presses, median ${percentile(theirs.idleLatencies, 0.5)} ms, max ${Math.max(...theirs.idleLatencies)} ms`);
	out();
	for (const ours of runs) {
		const ratio = totalCpu(ours) / theirs.cpuSettled;
		const median = percentile(ours.keyLatencies, 0.5);
		const max = Math.max(...ours.keyLatencies);
		const idleMedian = percentile(ours.idleLatencies, 0.5);
		const idleMax = Math.max(...ours.idleLatencies);
		out(
			`${ours.mode.padEnd(9)}: CPU ${totalCpu(ours).toFixed(2)} s = ${ratio.toFixed(2)}× mprocs (target ≤ 1.0×); dashboard peak RSS ${ours.rss.toFixed(1)} MB (target ≤ 80); no line missing: ${ours.check.missing === 0 ? 'yes' : 'no'}`,
		);
		out(
			`${''.padEnd(9)}  keys idle median ${idleMedian} / max ${idleMax} ms (target ≤ 15 / ≤ 30; mprocs ${percentile(theirs.idleLatencies, 0.5)} / ${Math.max(...theirs.idleLatencies)}), ` +
				`during the flood median ${median} / max ${max} ms (target ≤ 50 / ≤ 100; mprocs ${percentile(theirs.keyLatencies, 0.5)} / ${Math.max(...theirs.keyLatencies)})`,
		);
	}
	return runs.every(ours => ours.check.missing === 0) ? 0 : 1;
}

try {
	process.exitCode = await main();
} catch (error) {
	process.stderr.write(`bench:flood failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exitCode = 1;
} finally {
	for (const socket of sockets) await tmux(socket, 'kill-server').catch(() => undefined);
	rmSync(temporary, {recursive: true, force: true});
}
