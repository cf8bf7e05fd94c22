import {existsSync, readFileSync} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import type {SupervisorEvent} from '../../services/supervisor/events.js';
import {PortsBusyError} from '../../services/supervisor/port-holders.js';
import {groupAlive} from '../../services/system/proc.js';
import {Supervisor} from '../../services/supervisor/supervisor.js';
import {freePorts} from '../helpers/ports.js';
import {httpServerScript, makeRunDirectory, nodeDaemon, processesMentioning} from '../helpers/supervisor-specs.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function setUp(): ReturnType<typeof makeRunDirectory> {
	const run = makeRunDirectory();
	cleanups.push(run.cleanup);
	return run;
}

function supervise(run: ReturnType<typeof makeRunDirectory>, specs: ConstructorParameters<typeof Supervisor>[0]['specs'], extra: Partial<ConstructorParameters<typeof Supervisor>[0]> = {}): {supervisor: Supervisor; events: SupervisorEvent[]} {
	const supervisor = new Supervisor({
		specs,
		files: {logs: run.logs, pids: run.pids},
		info: {instance: 'test', instanceDirectory: run.root, frontendUrl: 'https://127.0.0.1:1/', supervisorPid: process.pid},
		...extra,
	});
	const events: SupervisorEvent[] = [];
	supervisor.subscribe(event => events.push(event));
	cleanups.push(() => supervisor.quitAll());
	return {supervisor, events};
}

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error('timed out waiting');
		await new Promise(resolve => setTimeout(resolve, 20));
	}
}

describe('supervisor with real processes', () => {
	it('starts in dependency order, waits for readiness (http, redis, log) and logs every line', async () => {
		const run = setUp();
		const [httpPort, redisPort] = await freePorts(2);
		const {supervisor, events} = supervise(run, [
			{
				name: 'redis-live',
				command: '/usr/bin/redis-server',
				args: ['--port', String(redisPort), '--bind', '127.0.0.1', '--requirepass', 'sekrit', '--save', '', '--appendonly', 'no', '--dir', run.root],
				ports: [redisPort!],
				port: redisPort!,
				dependsOn: [],
				ready: {kind: 'redis', host: '127.0.0.1', port: redisPort!, password: 'sekrit'},
				readyTimeoutMs: 10_000,
				stopSignal: 'SIGTERM',
				stopTimeoutMs: 3000,
			},
			nodeDaemon('web', httpServerScript(httpPort!, 300), run.root, {
				ports: [httpPort!],
				port: httpPort!,
				dependsOn: ['redis-live'],
				ready: {kind: 'http', url: `http://127.0.0.1:${httpPort}/`},
			}),
			nodeDaemon('worker', "console.log('warming up'); setTimeout(() => console.log('worker ready'), 200); setInterval(() => {}, 1000);", run.root, {
				dependsOn: ['web'],
				ready: {kind: 'log', pattern: 'worker ready'},
			}),
		]);
		const outcome = await supervisor.start();
		expect(outcome.ok).toBe(true);
		expect(supervisor.statuses().map(status => status.state)).toEqual(['ready', 'ready', 'ready']);

		const readyOrder = events.flatMap(event => (event.type === 'daemon-state' && event.daemon.state === 'ready' ? [event.daemon.name] : []));
		expect(readyOrder).toEqual(['redis-live', 'web', 'worker']);
		const webStarted = events.findIndex(event => event.type === 'daemon-state' && event.daemon.name === 'web' && event.daemon.state === 'starting');
		const redisReady = events.findIndex(event => event.type === 'daemon-state' && event.daemon.name === 'redis-live' && event.daemon.state === 'ready');
		expect(webStarted).toBeGreaterThan(redisReady);
		expect(events.some(event => event.type === 'run-ready')).toBe(true);

		await waitFor(() => readFileSync(path.join(run.logs, 'worker.log'), 'utf8').includes('worker ready'));
		expect(readFileSync(path.join(run.logs, 'web.log'), 'utf8')).toContain(`listening on ${httpPort}`);
		expect(readFileSync(path.join(run.logs, 'redis-live.log'), 'utf8')).toMatch(/Ready to accept connections/);
		await waitFor(() => events.some(event => event.type === 'log-lines' && event.daemon === 'worker' && event.lines.includes('worker ready')));
		expect(supervisor.snapshot().logs['worker']).toEqual(['warming up', 'worker ready']);

		for (const status of supervisor.statuses()) {
			expect(readFileSync(path.join(run.pids, `${status.name}.pid`), 'utf8').split('\n')[0]).toBe(String(status.pid));
		}
	});

	it('restarts a daemon killed with SIGKILL, with a new pid and restarts=1', async () => {
		const run = setUp();
		const [port] = await freePorts(1);
		const {supervisor} = supervise(run, [
			nodeDaemon('web', httpServerScript(port!), run.root, {ports: [port!], port: port!, ready: {kind: 'tcp', host: '127.0.0.1', port: port!}}),
		]);
		expect((await supervisor.start()).ok).toBe(true);
		const firstPid = supervisor.statuses()[0]!.pid!;
		process.kill(firstPid, 'SIGKILL');
		await waitFor(() => supervisor.statuses()[0]!.state === 'ready' && supervisor.statuses()[0]!.pid !== firstPid);
		const status = supervisor.statuses()[0]!;
		expect(status.restarts).toBe(1);
		expect(status.pid).not.toBe(firstPid);
		expect(processesMentioning(run.root)).toEqual([status.pid]);
	});

	it('stop-all ends every process in reverse order, grandchildren included', async () => {
		const run = setUp();
		const grandchildParent = `require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', ${JSON.stringify(run.root)}], {stdio: 'ignore'}); setInterval(() => {}, 1000);`;
		const {supervisor, events} = supervise(run, [
			nodeDaemon('base', 'setInterval(() => {}, 1000);', run.root),
			nodeDaemon('parent', grandchildParent, run.root, {dependsOn: ['base']}),
			// Ignores SIGTERM: must be SIGKILLed after its stop timeout.
			nodeDaemon('stubborn', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);", run.root, {dependsOn: ['base'], stopTimeoutMs: 300}),
		]);
		expect((await supervisor.start()).ok).toBe(true);
		await waitFor(() => processesMentioning(run.root).length === 4);
		const groups = supervisor.statuses().map(status => status.pid!);
		const began = Date.now();
		await supervisor.stopAll();
		expect(Date.now() - began).toBeLessThan(3000);
		expect(processesMentioning(run.root)).toEqual([]);
		for (const pgid of groups) expect(groupAlive(pgid)).toBe(false);
		const stoppingOrder = events.flatMap(event => (event.type === 'daemon-state' && event.daemon.state === 'stopped' ? [event.daemon.name] : []));
		expect(stoppingOrder.at(-1)).toBe('base');
		expect(events.at(-1)).toEqual({type: 'supervisor-exit', reason: 'stopped'});
		expect(existsSync(path.join(run.pids, 'base.pid'))).toBe(false);
	});

	it('quit-all kills every group at once', async () => {
		const run = setUp();
		const {supervisor} = supervise(run, [
			nodeDaemon('a', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);", run.root),
			nodeDaemon('b', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);", run.root, {dependsOn: ['a']}),
		]);
		expect((await supervisor.start()).ok).toBe(true);
		const began = Date.now();
		await supervisor.quitAll();
		expect(Date.now() - began).toBeLessThan(1000);
		expect(processesMentioning(run.root)).toEqual([]);
		expect(await supervisor.exited).toBe('quit');
	});

	it('refuses to start when a port is busy, naming the holder', async () => {
		const run = setUp();
		const holder = net.createServer();
		await new Promise<void>(resolve => holder.listen(0, '127.0.0.1', resolve));
		cleanups.push(() => new Promise<void>(resolve => holder.close(() => resolve())));
		const port = (holder.address() as net.AddressInfo).port;
		const second = net.createServer();
		await new Promise<void>(resolve => second.listen(0, '127.0.0.1', resolve));
		cleanups.push(() => new Promise<void>(resolve => second.close(() => resolve())));
		const secondPort = (second.address() as net.AddressInfo).port;
		const {supervisor} = supervise(run, [
			nodeDaemon('web', httpServerScript(port), run.root, {ports: [port]}),
			nodeDaemon('api', httpServerScript(secondPort), run.root, {ports: [secondPort]}),
		]);
		const error = (await supervisor.start().catch((caught: unknown) => caught)) as PortsBusyError;
		expect(error).toBeInstanceOf(PortsBusyError);
		expect(error.daemon).toBe('web');
		expect(error.message).toMatch(new RegExp(`^port ${port} \\(web\\) is in use by pid ${process.pid}: .*node.*; stop that process or choose other ports in amprun.yaml$`));
		expect(error.details).toEqual([expect.stringMatching(new RegExp(`^port ${secondPort} \\(api\\) is in use by pid ${process.pid}: `))]);
		expect(processesMentioning(run.root)).toEqual([]);
	});

	it('starts a daemon that waits for its dependencies itself at once, and counts it ready only once they are', async () => {
		const run = setUp();
		const {supervisor, events} = supervise(run, [
			nodeDaemon('slow', "setTimeout(() => console.log('up now'), 600); setInterval(() => {}, 1000);", run.root, {ready: {kind: 'log', pattern: 'up now'}}),
			nodeDaemon('patient', "console.log('started'); setInterval(() => {}, 1000);", run.root, {dependsOn: ['slow'], waitsForDependencies: true}),
			nodeDaemon('ordered', 'setInterval(() => {}, 1000);', run.root, {dependsOn: ['slow']}),
		]);
		const outcome = await supervisor.start();
		expect(outcome.ok).toBe(true);
		const states = events.flatMap(event => (event.type === 'daemon-state' ? [`${event.daemon.name} ${event.daemon.state}`] : []));
		const at = (entry: string): number => states.indexOf(entry);
		// patient starts beside slow, before slow is ready; ordered only after.
		expect(at('patient starting')).toBeGreaterThan(-1);
		expect(at('patient starting')).toBeLessThan(at('slow ready'));
		expect(at('ordered starting')).toBeGreaterThan(at('slow ready'));
		const runReady = events.findIndex(event => event.type === 'run-ready');
		expect(runReady).toBeGreaterThan(events.findIndex(event => event.type === 'daemon-state' && event.daemon.name === 'slow' && event.daemon.state === 'ready'));
		// Stopping still goes in dependency order: the dependants first.
		await supervisor.stopAll();
		const stops = events.flatMap(event => (event.type === 'daemon-state' && event.daemon.state === 'stopped' ? [event.daemon.name] : []));
		expect(stops.at(-1)).toBe('slow');
	});

	it('gives a daemon that waits for its dependencies its whole readiness time again once they are ready', async () => {
		const run = setUp();
		const [port] = await freePorts(1);
		const url = `http://127.0.0.1:${port}/`;
		// front answers only through slow (as nginx through an ampnode): slow takes longer than front's own 1 s to come up.
		const {supervisor} = supervise(run, [
			nodeDaemon('slow', httpServerScript(port!, 1500), run.root, {ports: [port!], port: port!, ready: {kind: 'http', url}}),
			nodeDaemon('front', 'setInterval(() => {}, 1000);', run.root, {dependsOn: ['slow'], waitsForDependencies: true, ready: {kind: 'http', url}, readyTimeoutMs: 1000}),
		]);
		const outcome = await supervisor.start();
		expect(outcome.ok, JSON.stringify(outcome)).toBe(true);
		expect(supervisor.statuses().map(status => status.state)).toEqual(['ready', 'ready']);
		await supervisor.stopAll();
		expect(processesMentioning(run.root)).toEqual([]);
	});

	it('fails the run when a daemon is not ready in time, with its last log lines', async () => {
		const run = setUp();
		const {supervisor, events} = supervise(run, [
			nodeDaemon('slow', "console.log('booting'); console.error('cannot find config'); setInterval(() => {}, 1000);", run.root, {
				ready: {kind: 'log', pattern: 'never printed'},
				// Long enough for node to print its two lines first, even on a loaded machine.
				readyTimeoutMs: 3000,
			}),
			nodeDaemon('after', 'setInterval(() => {}, 1000);', run.root, {dependsOn: ['slow']}),
		]);
		const outcome = await supervisor.start();
		expect(outcome).toMatchObject({ok: false, daemon: 'slow'});
		if (outcome.ok) return;
		expect(outcome.error).toMatch(/not ready after 3 s/);
		expect(outcome.lastLines).toEqual(expect.arrayContaining(['booting', 'cannot find config']));
		expect(events.some(event => event.type === 'run-failed' && event.daemon === 'slow')).toBe(true);
		expect(supervisor.statuses().map(status => status.state)).toEqual(['failed', 'pending']);
		expect(processesMentioning(run.root)).toEqual([]);
	});

	it('says what the last readiness attempt met when a daemon is not ready in time', async () => {
		const run = setUp();
		const [port] = await freePorts(1);
		const script = `require('node:http').createServer((request, response) => { response.statusCode = 503; response.end('warming up'); }).listen(${port}, '127.0.0.1');`;
		const {supervisor} = supervise(run, [nodeDaemon('warming', script, run.root, {ports: [port!], port: port!, ready: {kind: 'http', url: `http://127.0.0.1:${port}/`}, readyTimeoutMs: 2000})]);
		const outcome = await supervisor.start();
		expect(outcome).toMatchObject({ok: false, daemon: 'warming'});
		if (outcome.ok) return;
		expect(outcome.error).toBe(`not ready after 2 s (GET http://127.0.0.1:${port}/ did not answer 2xx; last try: answered 503)`);
	});

	it('does not count against a daemon the time its supervisor could not run', async () => {
		const run = setUp();
		// Ready 3 s after it starts: past its 2 s readiness time, unless the 2 s its supervisor is held up are given back.
		const {supervisor} = supervise(run, [nodeDaemon('late', "setTimeout(() => console.log('listening'), 3000); setInterval(() => {}, 1000);", run.root, {ready: {kind: 'log', pattern: 'listening'}, readyTimeoutMs: 2000})]);
		const outcome = supervisor.start();
		await new Promise(resolve => setTimeout(resolve, 200));
		// This process is the supervisor: blocking it is what a machine with every core busy does to it.
		const blockedUntil = Date.now() + 2000;
		while (Date.now() < blockedUntil) {
			// Busy, as a starved process is to the daemons it watches.
		}
		expect(await outcome).toMatchObject({ok: true});
	});

	it('marks a daemon that keeps crashing as failed and leaves it down', async () => {
		const run = setUp();
		const {supervisor} = supervise(run, [nodeDaemon('crashy', "console.log('up'); setTimeout(() => process.exit(3), 50);", run.root)], {
			crashPolicy: {initialDelayMs: 20, maxDelayMs: 100, stableMs: 30_000, maxCrashes: 3, windowMs: 60_000},
		});
		expect((await supervisor.start()).ok).toBe(true);
		await waitFor(() => supervisor.statuses()[0]!.state === 'failed');
		const status = supervisor.statuses()[0]!;
		expect(status.restarts).toBe(3);
		expect(status.reason).toMatch(/exited with code 3; crashed 4 times within a minute/);
		await new Promise(resolve => setTimeout(resolve, 300));
		expect(processesMentioning(run.root)).toEqual([]);
		await supervisor.handle({type: 'start', daemon: 'crashy'});
		expect(supervisor.statuses()[0]!.state).toBe('ready');
	});

	it('stops, starts and restarts one daemon on command', async () => {
		const run = setUp();
		const {supervisor} = supervise(run, [nodeDaemon('one', 'setInterval(() => {}, 1000);', run.root), nodeDaemon('two', 'setInterval(() => {}, 1000);', run.root)]);
		expect((await supervisor.start()).ok).toBe(true);
		const [one, two] = supervisor.statuses();
		await supervisor.handle({type: 'stop', daemon: 'one'});
		expect(supervisor.statuses()[0]).toMatchObject({state: 'stopped', restarts: 0});
		expect(groupAlive(one!.pid!)).toBe(false);
		await supervisor.handle({type: 'start', daemon: 'one'});
		expect(supervisor.statuses()[0]!.state).toBe('ready');
		await supervisor.handle({type: 'restart', daemon: 'two'});
		expect(supervisor.statuses()[1]).toMatchObject({state: 'ready', restarts: 1});
		expect(supervisor.statuses()[1]!.pid).not.toBe(two!.pid);
		await expect(supervisor.handle({type: 'stop', daemon: 'nope'})).rejects.toThrow(/no daemon named "nope"/);
	});

	it('collapses carriage-return progress lines and keeps the raw bytes in the log file', async () => {
		const run = setUp();
		const script = "process.stdout.write('loading 1%\\rloading 50%\\rloading 100%\\ndone\\n'); setInterval(() => {}, 1000);";
		const {supervisor} = supervise(run, [nodeDaemon('progress', script, run.root, {ready: {kind: 'log', pattern: '^done$'}})]);
		expect((await supervisor.start()).ok).toBe(true);
		expect(supervisor.recentLines('progress')).toEqual(['loading 100%', 'done']);
		expect(readFileSync(path.join(run.logs, 'progress.log'), 'utf8')).toBe('loading 1%\rloading 50%\rloading 100%\ndone\n');
	});
});
