/*
 * `npm run bench:fleet`: three SSH hosts in network namespaces (test/helpers/ssh-hosts.ts), the
 * instance deployed to them with one more daemon, bench/flood-emitter.js (shipped in the release),
 * which waits for its trigger file on each host. Then, in tmux at 200×50:
 * - `ampzero fleet NAME` on this machine (one SSH connection per host), and
 * - the local dashboard of host 1 (`ampzero run` inside host 1's namespaces, attached to the same
 *   supervisor the fleet view watches there).
 * 1. A flood of FLOOD_LINES (1,000,000) lines on host 1, FLOOD_ROUNDS (10: one lasts under 2 s, so enough presses land in floods) times: `j`/`k` timed in
 *    both, in turn, during the flood (median, max); CPU seconds of each process from the flood's
 *    start until it is quiet again; peak RSS (VmHWM) of each.
 * 2. ampnode on host 2 SIGKILLed RESTART_ROUNDS (5) times: the time from the moment host 2's
 *    supervisor reports the crash, and then the restart (read on host 2 itself from `run NAME
 *    events`), to the moment the fleet view's row of that ampnode shows it.
 * 3. The fleet view's peak RSS with 30 hosts: the three real hosts' event streams, each shown as
 *    ten hosts (FLEET_FANOUT), through the same view (see fleet-fanout.ts: 30 sshd hosts with a
 *    whole instance each do not fit a 2-core machine).
 * Targets: keys median ≤ 50 ms, max ≤ 150 ms; restarted shown ≤ 1 s after the supervisor noticed;
 * RSS ≤ dashboard + 5 MB (3 hosts), + 15 MB (30 hosts); CPU under the flood ≤ the dashboard's.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import {fileURLToPath} from 'node:url';
import {deploy, git, makeDeployFixture, type DeployFixture} from '../test/helpers/deploy-fixture.js';
import {ampzeroBin} from '../test/helpers/instance.js';
import {startSshHosts, type SshTestHost, type SshTestHosts} from '../test/helpers/ssh-hosts.js';
import {peakRssMb, procStat, treeCpu, descendants} from './proc-stats.js';
import type {DaemonStatus, SupervisorEvent} from '../services/supervisor/events.js';
import {TmuxControl} from './tmux-control.js';

const lineCount = Number(process.env['FLOOD_LINES'] ?? 1_000_000);
const rounds = Number(process.env['FLOOD_ROUNDS'] ?? 10);
const restartRounds = Number(process.env['RESTART_ROUNDS'] ?? 5);
const fanout = Number(process.env['FLEET_FANOUT'] ?? 10);
const columns = 200;
const rows = 50;
const checkout = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const remoteAmpzero = '/opt/ampzero/dist/ampify/bin/ampzero';
const remoteInstance = '/opt/ampzero/dist/instance';
const signals = '/opt/flood-signals';
const roundFile = (file: string, round: number): string => (round === 1 ? file : `${file}.${round}`);
const sockets: string[] = [];
const children: ChildProcess[] = [];
const panes: number[] = [];

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));
const quote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

function out(line = ''): void {
	process.stdout.write(`${line}\n`);
}

async function tmux(socket: string, ...args: string[]): Promise<string> {
	return new Promise((resolve, reject) => {
		const child = spawn('tmux', ['-L', socket, ...args], {stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		child.stdout.on('data', chunk => (stdout += String(chunk)));
		child.on('close', code => (code === 0 ? resolve(stdout) : reject(new Error(`tmux ${args.join(' ')} exited ${code}`))));
	});
}

/** A program in tmux at 200×50; the pane's process is the program itself (exec), so its pid is the one measured. */
async function startPane(name: string, command: string): Promise<{socket: string; pid: number; client: TmuxControl}> {
	const socket = `ampzero-fleet-${process.pid}-${name}`;
	sockets.push(socket);
	await tmux(socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-x', String(columns), '-y', String(rows), `exec env -u CI -u NO_COLOR TERM=xterm-256color ${command}`);
	await tmux(socket, 'set-option', '-t', 'main', 'remain-on-exit', 'on');
	await tmux(socket, 'set-option', '-t', 'main', 'window-size', 'manual');
	const pid = Number((await tmux(socket, 'display-message', '-p', '-t', 'main', '#{pane_pid}')).trim());
	panes.push(pid);
	const client = new TmuxControl(socket, 'main');
	await client.run('refresh-client -f no-output');
	return {socket, pid, client};
}

async function screenOf(client: TmuxControl): Promise<string> {
	return (await client.run('capture-pane -p -t main')).join('\n');
}

async function waitForScreen(client: TmuxControl, test: (screen: string) => boolean, what: string, timeoutMs = 120_000): Promise<string> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const screen = await screenOf(client);
		if (test(screen)) return screen;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen:\n${screen}`);
		await sleep(50);
	}
}

/** The dashboard's selected row (`│› ✓ name`) and the fleet view's (`│›   ✓ name`). */
function selectedName(screen: string): string | undefined {
	return /^│›\s+\S (\S+)/m.exec(screen)?.[1];
}

/** Times presses that move the selection between two rows: until the screen marks the expected one (5 s at most). */
function keyTimer(client: TmuxControl, names: [string, string], keys: [string, string] = ['k', 'j']) {
	let toFirst = true;
	return async (): Promise<number> => {
		const target = toFirst ? names[0] : names[1];
		const sent = performance.now();
		await client.run(`send-keys -t main ${toFirst ? keys[0] : keys[1]}`);
		while (selectedName(await screenOf(client)) !== target) {
			if (performance.now() - sent > 5000) {
				const now = selectedName(await screenOf(client));
				toFirst = now === names[0] ? false : now === names[1] ? true : toFirst;
				return 5000;
			}
			await sleep(3);
		}
		toFirst = !toFirst;
		return Math.round(performance.now() - sent);
	};
}

function percentile(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? Number.NaN;
}

/** CPU seconds of a process (and the children it reaped) once it stops using any: ≤ 20 ms over half a second. */
async function settled(measure: () => number): Promise<number> {
	let previous = measure();
	for (;;) {
		await sleep(500);
		const now = measure();
		if (now - previous <= 0.02) return now;
		previous = now;
	}
}

/** The instance with the flood daemon, deployed to the hosts; each host gets a directory for the emitter's trigger and done files. */
async function deployWithFlood(harness: SshTestHosts): Promise<DeployFixture> {
	const fixture = await makeDeployFixture(harness);
	const amprun = path.join(fixture.instance.directory, 'amprun.yaml');
	const emitter = `/opt/ampzero/dist/ampify/bench/flood-emitter.js`;
	const document = yaml.load(readFileSync(amprun, 'utf8')) as Record<string, unknown>;
	document['daemons'] = [{name: 'flood', command: `exec node ${emitter} ${lineCount} ${signals}/trigger ${signals}/done`, ready: {log: 'flood: waiting'}}];
	writeFileSync(amprun, yaml.dump(document));
	git(fixture.instance.directory, 'commit', '-q', '-am', 'bench: the flood daemon');
	for (const host of harness.hosts) {
		const directory = path.join(host.optDirectory, 'flood-signals');
		mkdirSync(directory, {recursive: true});
		// The daemons run as the daemons' user: it writes the done files here.
		chmodSync(directory, 0o777);
	}
	const result = await deploy(fixture, [], {}, 600_000);
	if (result.code !== 0) throw new Error(`the deploy failed (${result.code}):\n${result.stderr.slice(-3000)}`);
	return fixture;
}

interface LocalEvent {
	at: number;
	event: SupervisorEvent;
}

/** `run NAME events` inside a host's namespaces: the supervisor's events as that host sees them, each with the time it arrived here. */
function localEvents(host: SshTestHost): {events: LocalEvent[]; stop(): void} {
	const [file, ...args] = host.enterCommand(['env', 'HOME=/root', 'node', remoteAmpzero, 'run', remoteInstance, 'events']) as [string, ...string[]];
	const child = spawn(file, args, {stdio: ['pipe', 'pipe', 'ignore']});
	children.push(child);
	const events: LocalEvent[] = [];
	let buffered = '';
	child.stdout.on('data', chunk => {
		const at = performance.now();
		buffered += String(chunk);
		const lines = buffered.split('\n');
		buffered = lines.pop()!;
		for (const line of lines) if (line.startsWith('{')) events.push({at, event: JSON.parse(line) as SupervisorEvent});
	});
	return {events, stop: () => child.kill('SIGTERM')};
}

/** The daemon-state events of ampnode, with when they arrived. */
function ampnodeStates(events: readonly LocalEvent[]): Array<{at: number; daemon: DaemonStatus}> {
	return events.flatMap(({at, event}) => (event.type === 'daemon-state' && event.daemon.name === 'ampnode' ? [{at, daemon: event.daemon}] : []));
}

/** A daemon as the latest snapshot or state event says it is. */
function lastState(events: readonly LocalEvent[], daemon: string): DaemonStatus | undefined {
	for (let index = events.length - 1; index >= 0; index--) {
		const {event} = events[index]!;
		if (event.type === 'daemon-state' && event.daemon.name === daemon) return event.daemon;
		if (event.type === 'snapshot') return event.daemons.find(each => each.name === daemon);
	}
	return undefined;
}

/** The fleet view's row of `daemon` under the host row of `label`: its symbol, state and restarts. */
function fleetRow(screen: string, label: string, daemon: string): {state: string; restarts: number} | undefined {
	const lines = screen.split('\n');
	const hostAt = lines.findIndex(line => new RegExp(`^│[› ] \\S ${label.replaceAll('.', '\\.')}(\\s|$)`).test(line));
	if (hostAt === -1) return undefined;
	for (const line of lines.slice(hostAt + 1)) {
		if (/^│[› ] \S \d/.test(line)) return undefined;
		const match = new RegExp(`^│[› ]\\s+\\S ${daemon}\\s+(\\S+)\\s+(\\d+)`).exec(line);
		if (match) return {state: match[1]!, restarts: Number(match[2])};
	}
	return undefined;
}

interface Figures {
	keys: number[];
	idle: number[];
	cpu: number;
	rss: number;
	rssBefore: number;
}

async function main(): Promise<number> {
	out(`fleet: 3 SSH hosts in network namespaces; flood ${rounds} × ${lineCount.toLocaleString('en')} lines on host 1; tmux ${columns}×${rows}`);
	const started = Date.now();
	const harness = await startSshHosts(3);
	let fixture: DeployFixture | undefined;
	try {
		fixture = await deployWithFlood(harness);
		out(`deployed to 3 hosts in ${((Date.now() - started) / 1000).toFixed(0)} s`);
		const [first, second] = harness.hosts as [SshTestHost, SshTestHost, SshTestHost];

		const fleet = await startPane('view', `AMPZERO_HOME=${quote(fixture.home)} node ${quote(ampzeroBin)} fleet ${quote(fixture.instance.directory)} --config ${quote(fixture.configFile)}`);
		await waitForScreen(fleet.client, screen => /3\/3 hosts connected\s+✓ all 24 ready/.test(screen), 'the fleet view: every host and daemon');
		const dashboardCommand = first.enterCommand(['env', 'HOME=/root', 'node', remoteAmpzero, 'run', remoteInstance]).map(quote).join(' ');
		const dashboard = await startPane('dashboard', dashboardCommand);
		await waitForScreen(dashboard.client, screen => /all 8 ready/.test(screen), 'host 1\'s dashboard: every daemon ready');

		// Both select host 1's flood daemon (its log is the pane that has to keep up), then move between it and nginx above it.
		await dashboard.client.run('send-keys -t main k');
		await waitForScreen(dashboard.client, screen => selectedName(screen) === 'flood', 'flood selected on the dashboard', 5000);
		await fleet.client.run('send-keys -t main jjjjjjj');
		await waitForScreen(fleet.client, screen => selectedName(screen) === 'flood', 'flood selected in the fleet view', 5000);
		const timers = {fleet: keyTimer(fleet.client, ['nginx', 'flood']), dashboard: keyTimer(dashboard.client, ['nginx', 'flood'])};
		const measure = {fleet: (): number => treeCpu(fleet.pid, () => false), dashboard: (): number => treeCpu(dashboard.pid, () => false)};
		const figures: Record<'fleet' | 'dashboard', Figures> = {
			fleet: {keys: [], idle: [], cpu: 0, rss: 0, rssBefore: peakRssMb(fleet.pid)},
			dashboard: {keys: [], idle: [], cpu: 0, rss: 0, rssBefore: peakRssMb(dashboard.pid)},
		};
		await sleep(2000);
		for (let press = 0; press < 6; press++) {
			figures.fleet.idle.push(await timers.fleet());
			figures.dashboard.idle.push(await timers.dashboard());
			await sleep(100);
		}

		const cpuBefore = {fleet: measure.fleet(), dashboard: measure.dashboard()};
		const trigger = path.join(first.optDirectory, 'flood-signals', 'trigger');
		const done = path.join(first.optDirectory, 'flood-signals', 'done');
		const floodStart = Date.now();
		for (let round = 1; round <= rounds; round++) {
			if (round > 1) await sleep(500);
			writeFileSync(roundFile(trigger, round), '');
			while (!existsSync(roundFile(done, round)) && Date.now() - floodStart < 300_000) {
				figures.fleet.keys.push(await timers.fleet());
				figures.dashboard.keys.push(await timers.dashboard());
				await sleep(20);
			}
		}
		const floodSeconds = (Date.now() - floodStart) / 1000;
		const [fleetSettled, dashboardSettled] = await Promise.all([settled(measure.fleet), settled(measure.dashboard)]);
		figures.fleet.cpu = fleetSettled - cpuBefore.fleet;
		figures.dashboard.cpu = dashboardSettled - cpuBefore.dashboard;
		figures.fleet.rss = peakRssMb(fleet.pid);
		figures.dashboard.rss = peakRssMb(dashboard.pid);

		// Restarts: ampnode on host 2, killed; host 2's own event stream says when its supervisor noticed.
		await fleet.client.run('send-keys -t main Tab');
		const local = localEvents(second);
		const delays: Array<{crashed: number; restarted: number}> = [];
		try {
			for (let round = 0; round < restartRounds; round++) {
				await sleep(1500);
				const screen = await waitForScreen(fleet.client, text => fleetRow(text, second.address, 'ampnode')?.state === 'ready', 'ampnode on host 2 ready in the fleet view', 60_000);
				const before = fleetRow(screen, second.address, 'ampnode')!.restarts;
				const pid = lastState(local.events, 'ampnode')?.pid;
				if (!pid) throw new Error('no pid of ampnode on host 2 in its events');
				const seen = local.events.length;
				await second.exec(['kill', '-KILL', String(pid)]);
				let crashedShown: number | undefined;
				let restartedShown: number | undefined;
				const deadline = Date.now() + 60_000;
				while (restartedShown === undefined && Date.now() < deadline) {
					const row = fleetRow(await screenOf(fleet.client), second.address, 'ampnode');
					const now = performance.now();
					if (row && row.state !== 'ready' && crashedShown === undefined) crashedShown = now;
					if (row && row.restarts > before) restartedShown = now;
					await sleep(5);
				}
				const after = ampnodeStates(local.events.slice(seen));
				const noticed = after.find(entry => entry.daemon.state !== 'ready');
				const restarted = after.find(entry => entry.daemon.restarts > before);
				if (!noticed || !restarted || crashedShown === undefined || restartedShown === undefined) throw new Error(`round ${round + 1}: the crash or the restart was not seen (${after.map(entry => `${entry.daemon.state}/${entry.daemon.restarts}`).join(', ')})`);
				delays.push({crashed: Math.round(crashedShown - noticed.at), restarted: Math.round(restartedShown - restarted.at)});
			}
		} finally {
			local.stop();
		}

		// 30 hosts: the same three streams, each shown as ten hosts, through the same view.
		let fanoutRss: number | undefined;
		if (fanout > 1) {
			const fan = await startPane('fanout', `AMPZERO_HOME=${quote(fixture.home)} FLEET_FANOUT=${fanout} node ${quote(path.join(checkout, 'dist', 'bench', 'fleet-fanout.js'))} ${quote(fixture.instance.directory)} ${quote(fixture.configFile)}`);
			await waitForScreen(fan.client, screen => new RegExp(`${3 * fanout}/${3 * fanout} hosts connected\\s+✓ all ${24 * fanout} ready`).test(screen), `the fleet view of ${3 * fanout} hosts`);
			// Every host selected once: each log pane drawn, as a user paging through the fleet would.
			for (let host = 0; host < 3 * fanout; host++) {
				await fan.client.run('send-keys -t main Tab');
				await sleep(30);
			}
			await sleep(3000);
			fanoutRss = peakRssMb(fan.pid);
		}

		out();
		out(`flood on host 1: ${floodSeconds.toFixed(1)} s (with ${rounds - 1} pauses of 0.5 s); keys j/k timed in turn in both, over a tmux control-mode client`);
		for (const [name, figure] of Object.entries(figures)) {
			out(`  ${name.padEnd(10)} keys during the flood ${figure.keys.length} presses, median ${percentile(figure.keys, 0.5)} ms, max ${Math.max(...figure.keys)} ms; idle median ${percentile(figure.idle, 0.5)} ms, max ${Math.max(...figure.idle)} ms`);
			out(`  ${''.padEnd(10)} CPU ${figure.cpu.toFixed(2)} s from the flood's start until quiet; peak RSS ${figure.rss.toFixed(1)} MB (${figure.rssBefore.toFixed(1)} MB before the flood)`);
		}
		out(`ampnode on host 2 killed ${restartRounds} times: shown in the fleet view after host 2's supervisor reported it`);
		out(`  crash    ${delays.map(delay => delay.crashed).join(', ')} ms (max ${Math.max(...delays.map(delay => delay.crashed))})`);
		out(`  restart  ${delays.map(delay => delay.restarted).join(', ')} ms (max ${Math.max(...delays.map(delay => delay.restarted))})`);
		out();
		const fleetFigures = figures.fleet;
		const dashboardFigures = figures.dashboard;
		const verdicts = [
			[`keys during the flood: fleet median ${percentile(fleetFigures.keys, 0.5)} / max ${Math.max(...fleetFigures.keys)} ms (target ≤ 50 / ≤ 150; dashboard ${percentile(dashboardFigures.keys, 0.5)} / ${Math.max(...dashboardFigures.keys)})`, percentile(fleetFigures.keys, 0.5) <= 50 && Math.max(...fleetFigures.keys) <= 150],
			[`restart shown ≤ 1 s after the supervisor noticed: max ${Math.max(...delays.map(delay => delay.restarted))} ms`, Math.max(...delays.map(delay => delay.restarted)) <= 1000],
			[`RSS 3 hosts: fleet ${fleetFigures.rss.toFixed(1)} MB vs dashboard ${dashboardFigures.rss.toFixed(1)} MB + 5 = ${(dashboardFigures.rss + 5).toFixed(1)}`, fleetFigures.rss <= dashboardFigures.rss + 5],
			...(fanoutRss === undefined ? [] : [[`RSS ${3 * fanout} hosts (3 streams × ${fanout}): fleet ${fanoutRss.toFixed(1)} MB vs dashboard ${dashboardFigures.rss.toFixed(1)} MB + 15 = ${(dashboardFigures.rss + 15).toFixed(1)}`, fanoutRss <= dashboardFigures.rss + 15] as [string, boolean]]),
			[`CPU under the flood: fleet ${fleetFigures.cpu.toFixed(2)} s vs dashboard ${dashboardFigures.cpu.toFixed(2)} s`, fleetFigures.cpu <= dashboardFigures.cpu],
		] as Array<[string, boolean]>;
		for (const [text, met] of verdicts) out(`${met ? 'met    ' : 'MISSED '} ${text}`);
		return verdicts.every(([, met]) => met) ? 0 : 1;
	} finally {
		for (const socket of sockets) await tmux(socket, 'kill-server').catch(() => undefined);
		for (const child of children) child.kill('SIGKILL');
		for (const pid of panes) {
			for (const each of [...descendants(pid), pid]) {
				if (procStat(each) === undefined) continue;
				try {
					process.kill(each, 'SIGKILL');
				} catch {
					// Gone already.
				}
			}
		}
		await harness.cleanup();
		await fixture?.cleanup();
	}
}

try {
	process.exitCode = await main();
} catch (error) {
	process.stderr.write(`bench:fleet failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exitCode = 1;
}
