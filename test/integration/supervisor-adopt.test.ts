import {spawn, type ChildProcess} from 'node:child_process';
import {readFileSync, statSync} from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import type {SupervisorEvent} from '../../services/supervisor/events.js';
import {adoptable, endLeftovers, readPidFiles, runMarkerVariable} from '../../services/supervisor/pid-files.js';
import {groupAlive, groupMembers, signalGroup} from '../../services/system/proc.js';
import type {DaemonSpec} from '../../services/supervisor/spec.js';
import {Supervisor, type SupervisorOptions} from '../../services/supervisor/supervisor.js';
import {checkoutDirectory} from '../helpers/instance.js';
import {freePorts} from '../helpers/ports.js';
import {httpServerScript, makeRunDirectory, nodeDaemon} from '../helpers/supervisor-specs.js';

/*
 * A supervisor killed with SIGKILL leaves its daemons serving; the next one adopts them: the same
 * pids, no restart, their logs followed again, and supervised as before (restarted when they die,
 * stopped by stop-all). The first supervisor runs in a process of its own (the built module), so
 * that its death is real: the daemons lose their parent, and their adopter is not it.
 */
const builtSupervisor = path.join(checkoutDirectory, 'dist', 'services', 'supervisor', 'supervisor.js');

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise(resolve => setTimeout(resolve, 20));
	}
}

/** Runs a supervisor over `options` in its own process; resolves once every daemon is ready. */
async function supervisorProcess(options: SupervisorOptions): Promise<ChildProcess> {
	const script = `import {Supervisor} from ${JSON.stringify(builtSupervisor)};
const supervisor = new Supervisor(JSON.parse(process.argv[1]));
const outcome = await supervisor.start();
process.stdout.write(JSON.stringify(outcome) + '\\n');
setInterval(() => {}, 60_000);`;
	const child = spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(options)], {stdio: ['ignore', 'pipe', 'inherit']});
	cleanups.push(() => {
		if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
	});
	const firstLine = await new Promise<string>((resolve, reject) => {
		let text = '';
		child.stdout.on('data', (chunk: Buffer) => {
			text += chunk.toString();
			if (text.includes('\n')) resolve(text.split('\n')[0]!);
		});
		child.once('exit', code => reject(new Error(`the first supervisor exited (${code}) before it was ready`)));
	});
	expect(JSON.parse(firstLine)).toMatchObject({ok: true});
	return child;
}

function get(port: number): Promise<number> {
	return new Promise((resolve, reject) => {
		http.get({host: '127.0.0.1', port, path: '/', agent: false}, response => {
			response.resume();
			resolve(response.statusCode ?? 0);
		}).on('error', reject);
	});
}

describe('a supervisor killed with SIGKILL', () => {
	it('leaves its daemons serving, and the next one adopts them: same pids, no restart, logs followed, still supervised', async () => {
		const run = makeRunDirectory();
		cleanups.push(run.cleanup);
		const [webPort, redisPort] = await freePorts(2);
		const ticker = `let n = 0; setInterval(() => console.log('tick ' + (n++)), 20);`;
		const specs: DaemonSpec[] = [
			{
				// redis rewrites its command line: adopted by its program's name in it, with its recorded start time.
				name: 'redis',
				command: '/usr/bin/redis-server',
				args: ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', run.root],
				ports: [redisPort!],
				port: redisPort!,
				dependsOn: [],
				ready: {kind: 'tcp', host: '127.0.0.1', port: redisPort!},
				readyTimeoutMs: 10_000,
				stopSignal: 'SIGTERM',
				stopTimeoutMs: 3000,
			},
			nodeDaemon('web', httpServerScript(webPort!), run.root, {ports: [webPort!], port: webPort!, ready: {kind: 'http', url: `http://127.0.0.1:${webPort}/`}, dependsOn: ['redis']}),
			nodeDaemon('ticker', ticker, run.root),
		];
		const options: SupervisorOptions = {
			specs,
			files: {logs: run.logs, pids: run.pids},
			info: {instance: 'test', instanceDirectory: run.root, frontendUrl: 'https://127.0.0.1:1/', supervisorPid: 0},
			crashPolicy: {initialDelayMs: 50, maxDelayMs: 200, stableMs: 60_000, maxCrashes: 10, windowMs: 60_000},
		};
		const first = await supervisorProcess(options);
		const before = new Map(readPidFiles(run.pids).map(record => [record.daemon, record]));
		cleanups.push(() => {
			for (const record of before.values()) signalGroup(record.pid, 'SIGKILL');
		});
		expect([...before.keys()].sort()).toEqual(['redis', 'ticker', 'web']);

		first.kill('SIGKILL');
		await waitFor(() => first.signalCode !== null, 'the first supervisor to die');
		// Without a supervisor the daemons serve and log on: their output is their log file, not a pipe to the dead process.
		const tickerLog = path.join(run.logs, 'ticker.log');
		const sizeAtDeath = statSync(tickerLog).size;
		await new Promise(resolve => setTimeout(resolve, 300));
		expect(statSync(tickerLog).size).toBeGreaterThan(sizeAtDeath);
		expect(await get(webPort!)).toBe(200);
		for (const record of before.values()) expect([record.daemon, groupAlive(record.pid)]).toEqual([record.daemon, true]);

		const supervisor = new Supervisor(options);
		const events: SupervisorEvent[] = [];
		supervisor.subscribe(event => events.push(event));
		cleanups.push(() => supervisor.quitAll());
		const outcome = await supervisor.start();
		expect(outcome.ok).toBe(true);
		const adopted = supervisor.statuses();
		expect(adopted.map(({name, state, pid, restarts, startedAt}) => ({name, state, pid, restarts, startedAt}))).toEqual(
			specs.map(spec => ({name: spec.name, state: 'ready', pid: before.get(spec.name)!.pid, restarts: 0, startedAt: before.get(spec.name)!.startedAt})),
		);
		expect(events.some(event => event.type === 'notice' && event.text.startsWith('adopted what the previous supervisor left running'))).toBe(true);
		// No daemon was started again: their log files hold one start each.
		expect(readFileSync(path.join(run.logs, 'web.log'), 'utf8').match(/listening on/g)).toHaveLength(1);

		// Lines an adopted daemon writes reach the watchers.
		const ticks = (): number => events.filter(event => event.type === 'log-lines' && event.daemon === 'ticker').length;
		await waitFor(() => ticks() > 2, 'the adopted ticker\'s lines');
		expect(supervisor.recentLines('ticker').at(-1)).toMatch(/^tick \d+$/);

		// Supervised as before: an adopted daemon that dies is restarted.
		const webPid = before.get('web')!.pid;
		process.kill(webPid, 'SIGKILL');
		await waitFor(() => {
			const web = supervisor.statuses().find(status => status.name === 'web')!;
			return web.state === 'ready' && web.pid !== undefined && web.pid !== webPid;
		}, 'the adopted web daemon to be restarted');
		expect(supervisor.statuses().find(status => status.name === 'web')!.restarts).toBe(1);
		expect(groupMembers(webPid)).toEqual([]);
		expect(await get(webPort!)).toBe(200);

		// And stop-all stops adopted and restarted daemons alike.
		const groups = supervisor.statuses().map(status => status.pid!);
		await supervisor.stopAll();
		for (const pid of groups) expect(groupMembers(pid)).toEqual([]);
		expect(readPidFiles(run.pids)).toEqual([]);
	});

	it('adopts only the very process it recorded, run the same way: not a reused pid, nor a daemon whose command changed', async () => {
		const run = makeRunDirectory();
		cleanups.push(run.cleanup);
		const sleeper = nodeDaemon('sleeper', 'setInterval(() => {}, 1000);', run.root);
		const options: SupervisorOptions = {
			specs: [sleeper],
			files: {logs: run.logs, pids: run.pids},
			info: {instance: 'test', instanceDirectory: run.root, frontendUrl: 'https://127.0.0.1:1/', supervisorPid: 0},
		};
		const first = await supervisorProcess(options);
		first.kill('SIGKILL');
		await waitFor(() => first.signalCode !== null, 'the first supervisor to die');
		const [record] = readPidFiles(run.pids);
		const argv = [sleeper.command, ...sleeper.args];
		expect(adoptable(record!, argv)).toBe(true);
		// Another start time: the pid now names another process.
		expect(adoptable({...record!, startTime: String(Number(record!.startTime) + 1)}, argv)).toBe(false);
		// The daemon is run differently now (another config): started anew rather than adopted.
		expect(adoptable(record!, [...argv, '--changed'])).toBe(false);
		// What is not adopted is ended like any leftover.
		const ended = await endLeftovers(run.pids, 1000);
		expect(ended.map(entry => entry.pid)).toEqual([record!.pid]);
		expect(groupMembers(record!.pid)).toEqual([]);
	});

	it('ends a stray copy of one of its daemons that it does not run (left by a supervisor killed mid-restart), and says so', async () => {
		const run = makeRunDirectory();
		cleanups.push(run.cleanup);
		const sleeper = nodeDaemon('sleeper', 'setInterval(() => {}, 1000);', run.root);
		const supervisor = new Supervisor({
			specs: [sleeper],
			files: {logs: run.logs, pids: run.pids},
			info: {instance: 'test', instanceDirectory: run.root, frontendUrl: 'https://127.0.0.1:1/', supervisorPid: 0},
		});
		const events: SupervisorEvent[] = [];
		supervisor.subscribe(event => events.push(event));
		cleanups.push(() => supervisor.quitAll());
		expect((await supervisor.start()).ok).toBe(true);
		const own = supervisor.statuses()[0]!.pid!;
		// A second copy spawned for this run (its marker in the environment), in a group of its own, that no pid file names.
		const stray = spawn(sleeper.command, sleeper.args, {detached: true, stdio: 'ignore', env: {...process.env, [runMarkerVariable]: run.pids}});
		cleanups.push(() => signalGroup(stray.pid!, 'SIGKILL'));
		// Nor is a process of another run, or one without the marker, any of its business.
		const other = spawn(sleeper.command, sleeper.args, {detached: true, stdio: 'ignore', env: {...process.env, [runMarkerVariable]: `${run.pids}-other`}});
		cleanups.push(() => signalGroup(other.pid!, 'SIGKILL'));
		await waitFor(() => stray.exitCode !== null || stray.signalCode !== null, 'the stray copy to be ended', 10_000);
		expect(stray.signalCode).toBe('SIGKILL');
		expect(events.some(event => event.type === 'notice' && event.text.startsWith(`ended a stray copy of a daemon that no supervisor ran: pid ${stray.pid}`))).toBe(true);
		expect(groupAlive(other.pid!)).toBe(true);
		expect(supervisor.statuses()[0]).toMatchObject({state: 'ready', pid: own});
	});
});

