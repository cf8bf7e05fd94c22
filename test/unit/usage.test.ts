import {spawn, type ChildProcess} from 'node:child_process';
import {afterEach, describe, expect, it} from 'vitest';
import {usageRecord, UsageWatcher} from '../../services/supervisor/usage-record.js';
import {formatCpu, formatMemory, UsageSampler} from '../../services/supervisor/usage.js';

const started: ChildProcess[] = [];
afterEach(() => {
	for (const child of started.splice(0)) {
		try {
			process.kill(-child.pid!, 'SIGKILL');
		} catch {
			// Gone.
		}
	}
});

describe('CPU and memory of a daemon, from /proc', () => {
	it('sums a daemon and the processes it started: a busy leader and its busy child, about two cores', async () => {
		// A leader of its own group that spins, with a child that spins too.
		const spin = 'const end = Date.now() + 5000; while (Date.now() < end) {}';
		const child = spawn(process.execPath, ['-e', `require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(spin)}], {stdio: 'ignore'}); ${spin}`], {detached: true, stdio: 'ignore'});
		started.push(child);
		const groups = new Map([['busy', child.pid!]]);
		const sampler = new UsageSampler();
		const first = sampler.sample(groups).get('busy');
		expect(first?.cpuPercent).toBeUndefined();
		// Two node processes of some 40 MB each once both have started: the child is counted too.
		const deadline = Date.now() + 10_000;
		while (new UsageSampler().sample(groups).get('busy')!.rssBytes < 60 * 1024 * 1024) {
			if (Date.now() > deadline) throw new Error('the child never showed in the sum');
			await new Promise(resolve => setTimeout(resolve, 50));
		}
		await new Promise(resolve => setTimeout(resolve, 1000));
		const second = sampler.sample(groups).get('busy')!;
		// Two spinning processes: up to two cores (a loaded machine gives them less).
		expect(second.cpuPercent).toBeGreaterThan(5);
		expect(second.cpuPercent).toBeLessThan(210);
	});

	it('shows nothing for a group that is gone', () => {
		const usage = new UsageSampler().sample(new Map([['gone', 2 ** 22 + 7]])).get('gone');
		expect(usage).toEqual({rssBytes: 0});
	});

	it('formats the figures for the list', () => {
		expect(formatCpu(undefined)).toBe('-');
		expect(formatCpu({rssBytes: 0})).toBe('-');
		expect(formatCpu({cpuPercent: 12.34, rssBytes: 0})).toBe('12.3%');
		expect(formatCpu({cpuPercent: 187.6, rssBytes: 0})).toBe('188%');
		expect(formatMemory({rssBytes: 812 * 1024})).toBe('812K');
		expect(formatMemory({rssBytes: 23.4 * 1024 * 1024})).toBe('23.4M');
		expect(formatMemory({rssBytes: 1.25 * 1024 ** 3})).toBe('1.3G');
	});
});

describe('the usage records of `run NAME events`', () => {
	it('follow the daemons\' pids through the supervisor\'s events: a snapshot, a restart, a stop', () => {
		const watcher = new UsageWatcher();
		expect(watcher.running()).toBe(false);
		watcher.follow({type: 'snapshot', info: {instance: 'a', instanceDirectory: '/a', frontendUrl: 'https://a', supervisorPid: 1}, logs: {}, daemons: [
			{name: 'self', state: 'ready', pid: process.pid, restarts: 0},
			{name: 'down', state: 'stopped', restarts: 0},
		]});
		const first = usageRecord(watcher.sample());
		expect(Object.keys(first.usage)).toEqual(['self']);
		expect(first.usage['self']!.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
		watcher.follow({type: 'daemon-state', daemon: {name: 'down', state: 'starting', pid: process.pid, restarts: 1}});
		expect(Object.keys(usageRecord(watcher.sample()).usage).sort()).toEqual(['down', 'self']);
		watcher.follow({type: 'daemon-state', daemon: {name: 'self', state: 'stopped', restarts: 0}});
		watcher.follow({type: 'daemon-state', daemon: {name: 'down', state: 'stopped', restarts: 1}});
		expect(watcher.running()).toBe(false);
		// The record is plain JSON: what the fleet reads over SSH.
		expect(JSON.parse(JSON.stringify(first))).toEqual(first);
	});
});
