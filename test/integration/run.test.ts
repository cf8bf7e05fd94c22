import {spawn} from 'node:child_process';
import {readFileSync, statSync} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {listPorts} from '../../services/config/ports.js';
import {daemonUser} from '../../services/daemons/daemon-user.js';
import {getUrl} from '../helpers/https-request.js';
import {ampzeroBin, makeTestInstance, runAmpzero, type TestInstance} from '../helpers/instance.js';
import {endInstance, listenersOn, processesInGroups, processesMentioning, supervisorPid} from '../helpers/run-processes.js';

const builtinNames = ['keyspace', 'redis-live', 'redis-data', 'logstore', 'zerodata', 'ampnode', 'nginx'];

interface StatusRecord {
	type: string;
	name: string;
	state: string;
	pid: number | null;
	restarts: number;
	port: number | null;
}

let instance: TestInstance;
const seenGroups = new Set<number>();

function ampzero(...args: string[]): ReturnType<typeof runAmpzero> {
	return runAmpzero(args, {home: instance.home, env: {CI: '1'}, timeoutMs: 60_000});
}

async function status(): Promise<StatusRecord[]> {
	const result = await ampzero('run', instance.directory, 'status', '--json');
	expect(result.code, result.stderr).toBe(0);
	const daemons = result.stdout
		.trim()
		.split('\n')
		.map(line => JSON.parse(line) as StatusRecord)
		.filter(record => record.type === 'daemon');
	for (const daemon of daemons) if (daemon.pid) seenGroups.add(daemon.pid);
	return daemons;
}

async function waitFor<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await read();
		if (check(value)) return value;
		if (Date.now() > deadline) throw new Error(`timed out; last value: ${JSON.stringify(value)}`);
		await new Promise(resolve => setTimeout(resolve, 200));
	}
}

function instancePorts(): number[] {
	return listPorts(instance.config.ports).map(entry => entry.port);
}

beforeAll(async () => {
	instance = await makeTestInstance({name: 'runtest'});
}, 120_000);

afterAll(() => endInstance(instance, seenGroups), 60_000);

describe('ampzero run on the real daemons of an instance', () => {
	it('--batch starts every daemon, prints a line for each and a login link, and exits 0', async () => {
		const result = await ampzero('run', instance.directory, '--batch', '--no-nat-bypass');
		expect(result.code, result.stderr + result.stdout).toBe(0);
		for (const name of builtinNames) expect(result.stdout).toMatch(new RegExp(`^${name}\\s+ready\\s+pid \\d+`, 'm'));
		expect(result.stdout).toContain(`frontend: https://localhost:${instance.config.ports.frontend}`);
		expect(result.stdout).toMatch(/log in: +https:\/\/localhost:\d+\/login\?token=/);
		const daemons = await status();
		expect(daemons.map(daemon => [daemon.name, daemon.state])).toEqual(builtinNames.map(name => [name, 'ready']));
		for (const port of instancePorts()) expect(listenersOn(port), `port ${port}`).toBe(1);
	});

	it('run as root, no daemon is root: each runs as the daemon user, nginx workers too (its master alone binds as root)', async () => {
		const user = daemonUser();
		if (!user) return expect(process.getuid?.()).not.toBe(0);
		const uidOf = (pid: number): number => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
		const daemons = await status();
		for (const daemon of daemons) {
			const group = processesInGroups([daemon.pid!]);
			if (daemon.name === 'nginx') {
				expect(uidOf(daemon.pid!)).toBe(0);
				const workers = group.filter(pid => pid !== daemon.pid);
				expect(workers.length).toBeGreaterThan(0);
				for (const pid of workers) expect([daemon.name, uidOf(pid)]).toEqual([daemon.name, user.uid]);
			} else {
				for (const pid of group) expect([daemon.name, uidOf(pid)]).toEqual([daemon.name, user.uid]);
			}
		}
		// What the daemons read is open to their group, never to others; the secrets they do not read stay root's.
		const modeOf = (file: string): [string, string, number] => {
			const info = statSync(path.join(instance.directory, file));
			return [file, (info.mode & 0o777).toString(8), info.gid];
		};
		expect(modeOf('.')).toEqual(['.', '750', user.gid]);
		expect(modeOf('amprun.yaml')).toEqual(['amprun.yaml', '640', user.gid]);
		expect(modeOf('ampnode/redis.conf')).toEqual(['ampnode/redis.conf', '640', user.gid]);
		expect(modeOf(`ampnode/host-${instance.config.hostId}.private.key`)).toEqual([`ampnode/host-${instance.config.hostId}.private.key`, '640', user.gid]);
		for (const secret of [`ampnode/user-${instance.config.userId}.private.key`, `ampnode/host-${instance.config.hostId}.control.key`, 'nginx/server.key']) {
			expect(modeOf(secret).slice(0, 2)).toEqual([secret, '600']);
		}
		expect(modeOf('.git')[1]).toBe('700');
	});

	it('a second run attaches to the running supervisor instead of starting another', async () => {
		const before = await status();
		const supervisor = supervisorPid(path.join(instance.config.amprunRoot, instance.config.name));
		const result = await ampzero('run', instance.directory, '--batch', '--no-nat-bypass', '--no-hub');
		expect(result.code, result.stderr).toBe(0);
		expect(result.stdout).toContain(`attached to the running supervisor (pid ${supervisor})`);
		const identity = (daemons: StatusRecord[]): unknown[] => daemons.map(({name, state, pid, restarts}) => ({name, state, pid, restarts}));
		expect(identity(await status())).toEqual(identity(before));
		expect(processesMentioning('supervisor-main').filter(pid => processesMentioning(instance.root).includes(pid))).toEqual([supervisor]);
	});

	it('restarts a daemon killed with kill -9: restarts=1 and a new pid', async () => {
		const before = (await status()).find(daemon => daemon.name === 'redis-data')!;
		process.kill(before.pid!, 'SIGKILL');
		const after = await waitFor(status, daemons => {
			const redis = daemons.find(daemon => daemon.name === 'redis-data')!;
			return redis.state === 'ready' && redis.pid !== before.pid;
		});
		const redis = after.find(daemon => daemon.name === 'redis-data')!;
		expect(redis.restarts).toBe(1);
		expect(processesInGroups([before.pid!])).toEqual([]);
		expect(listenersOn(instance.config.ports.redisData)).toBe(1);
	});

	it('after kill -9 of the supervisor the daemons keep serving, and the next run adopts them: same pids, no restart, no duplicates, no orphans', async () => {
		const runRoot = path.join(instance.config.amprunRoot, instance.config.name);
		const oldSupervisor = supervisorPid(runRoot)!;
		const oldDaemons = await status();
		process.kill(oldSupervisor, 'SIGKILL');
		await new Promise(resolve => setTimeout(resolve, 200));
		const noSupervisor = await ampzero('run', instance.directory, 'status');
		expect(noSupervisor.code).toBe(1);
		expect(noSupervisor.stderr).toContain('no supervisor runs for runtest');
		// Nobody supervises them now, and they serve all the same.
		const health = await getUrl(`https://127.0.0.1:${instance.config.ports.frontend}/health`);
		expect(health.status).toBe(200);

		const result = await ampzero('run', instance.directory, '--batch', '--no-nat-bypass', '--no-hub');
		expect(result.code, result.stderr + result.stdout).toBe(0);
		expect(result.stdout).toMatch(/supervisor started \(pid \d+\)/);
		const newSupervisor = supervisorPid(runRoot)!;
		expect(newSupervisor).not.toBe(oldSupervisor);
		const daemons = await status();
		const identity = (list: StatusRecord[]): unknown[] => list.map(({name, state, pid, restarts}) => ({name, state, pid, restarts}));
		expect(identity(daemons)).toEqual(identity(oldDaemons));
		for (const port of instancePorts()) expect(listenersOn(port), `port ${port}`).toBe(1);
		const live = new Set([newSupervisor, ...processesInGroups(daemons.map(daemon => daemon.pid!))]);
		for (const pid of processesMentioning(instance.root)) expect(live.has(pid), `pid ${pid} is not part of the new run`).toBe(true);
	});

	it('logs prints the tail of a daemon log; an unknown action is a usage error', async () => {
		const logs = await ampzero('run', instance.directory, 'logs', 'redis-live', '--tail', '3');
		expect(logs.code, logs.stderr).toBe(0);
		expect(logs.stdout.trim().split('\n')).toHaveLength(3);
		const unknown = await ampzero('run', instance.directory, 'explode');
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain('unknown action "explode"');
		const noLog = await ampzero('run', instance.directory, 'logs', 'nosuchdaemon');
		expect(noLog.code).toBe(1);
		expect(noLog.stderr).toContain('no log for "nosuchdaemon"');
	});

	it('stop ends every process of the instance and the supervisor', async () => {
		const daemons = await status();
		const runRoot = path.join(instance.config.amprunRoot, instance.config.name);
		const supervisor = supervisorPid(runRoot)!;
		const result = await ampzero('run', instance.directory, 'stop');
		expect(result.code, result.stderr).toBe(0);
		expect(result.stdout).toMatch(/runtest: every daemon stopped in \d+ ms/);
		expect(processesInGroups([supervisor, ...daemons.map(daemon => daemon.pid!)])).toEqual([]);
		expect(processesMentioning(instance.root)).toEqual([]);
		for (const port of instancePorts()) expect(listenersOn(port), `port ${port}`).toBe(0);
		const again = await ampzero('run', instance.directory, 'stop');
		expect(again.stdout).toContain('runtest is not running');
	});

	it('a busy port stops the run before anything starts, naming the port and the holder', async () => {
		const holder = net.createServer();
		await new Promise<void>(resolve => holder.listen(instance.config.ports.logstore, '127.0.0.1', resolve));
		try {
			const result = await ampzero('run', instance.directory, '--batch', '--no-nat-bypass', '--no-hub');
			expect(result.code).toBe(1);
			expect(result.stderr).toContain(`port ${instance.config.ports.logstore} (logstore) is in use by pid ${process.pid}`);
			expect(processesMentioning(instance.root)).toEqual([]);
			// --no-daemon goes through the same check, and names the daemon the same way.
			const foreground = await ampzero('run', instance.directory, '--batch', '--no-daemon', '--no-nat-bypass', '--no-hub');
			expect(foreground.code).toBe(1);
			expect(foreground.stderr).toContain(`ampzero: logstore failed: port ${instance.config.ports.logstore} (logstore) is in use by pid ${process.pid}`);
			expect(processesMentioning(instance.root)).toEqual([]);
		} finally {
			await new Promise<void>(resolve => holder.close(() => resolve()));
		}
	});

	it('--no-daemon: the first ^C stops every daemon cleanly and exits 0, saying a second one forces', async () => {
		const child = spawn(process.execPath, [ampzeroBin, 'run', instance.directory, '--batch', '--no-daemon', '--no-nat-bypass', '--no-hub'], {
			env: {...process.env, AMPZERO_HOME: instance.home, CI: '1'},
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
		child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
		const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
		try {
			const deadline = Date.now() + 30_000;
			while (!stdout.includes('all daemons ready') && Date.now() < deadline && child.exitCode === null) await new Promise(resolve => setTimeout(resolve, 50));
			expect(stdout, stderr).toContain('all daemons ready');
			child.kill('SIGINT');
			expect(await exited).toBe(0);
			expect(stderr).toContain('stopping every daemon (^C again to force)');
			expect(processesMentioning(instance.root)).toEqual([]);
			for (const port of instancePorts()) expect(listenersOn(port), `port ${port}`).toBe(0);
		} finally {
			clearTimeout(killer);
			if (child.exitCode === null) child.kill('SIGKILL');
		}
	}, 90_000);
});
