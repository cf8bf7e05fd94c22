import {appendFileSync, closeSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, writeSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {CrashPolicy} from '../../services/supervisor/crash-policy.js';
import {EventQueue} from '../../services/supervisor/event-queue.js';
import {capLine, collapseCarriageReturns, LineSplitter} from '../../services/supervisor/log-lines.js';
import {LineRing} from '../../services/supervisor/ring-buffer.js';
import {DaemonLogFile} from '../../services/supervisor/daemon-log-file.js';
import {dependencyLevels, topologicalOrder} from '../../services/supervisor/topology.js';

const builtIn = [
	{name: 'nginx', dependsOn: ['ampnode']},
	{name: 'ampnode', dependsOn: ['keyspace', 'redis-live', 'redis-data', 'logstore', 'zerodata']},
	{name: 'logstore', dependsOn: ['keyspace']},
	{name: 'zerodata', dependsOn: ['keyspace']},
	{name: 'keyspace', dependsOn: []},
	{name: 'redis-live', dependsOn: []},
	{name: 'redis-data', dependsOn: []},
];

describe('dependency order', () => {
	it('starts independent daemons together and each after its dependencies', () => {
		expect(dependencyLevels(builtIn)).toEqual([
			['keyspace', 'redis-live', 'redis-data'],
			['logstore', 'zerodata'],
			['ampnode'],
			['nginx'],
		]);
		const order = topologicalOrder(builtIn);
		for (const node of builtIn) {
			for (const dependency of node.dependsOn) expect(order.indexOf(dependency)).toBeLessThan(order.indexOf(node.name));
		}
	});

	it('names an unknown dependency and a cycle', () => {
		expect(() => dependencyLevels([{name: 'worker', dependsOn: ['redis']}])).toThrow(/"worker" depends on "redis", which is not part of this run/);
		expect(() =>
			dependencyLevels([
				{name: 'a', dependsOn: ['b']},
				{name: 'b', dependsOn: ['c']},
				{name: 'c', dependsOn: ['a']},
			]),
		).toThrow(/cycle: a → b → c → a/);
		expect(() => dependencyLevels([{name: 'a', dependsOn: []}, {name: 'a', dependsOn: []}])).toThrow(/two daemons are named "a"/);
	});
});

describe('crash policy', () => {
	it('doubles the delay from 0.5 s up to 30 s', () => {
		const policy = new CrashPolicy({initialDelayMs: 500, maxDelayMs: 30_000, stableMs: 30_000, maxCrashes: 100, windowMs: 1000});
		const delays: number[] = [];
		let now = 0;
		for (let crash = 0; crash < 9; crash++) {
			now += 2000;
			const decision = policy.recordCrash(now, now - 100);
			if (decision.action === 'restart') delays.push(decision.delayMs);
		}
		expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
	});

	it('resets the delay after a stable run', () => {
		const policy = new CrashPolicy();
		expect(policy.recordCrash(1000, 900)).toEqual({action: 'restart', delayMs: 500});
		expect(policy.recordCrash(2000, 1900)).toEqual({action: 'restart', delayMs: 1000});
		expect(policy.recordCrash(40_000, 5000)).toEqual({action: 'restart', delayMs: 500});
	});

	it('fails on the sixth crash within a minute, not when they are spread out', () => {
		const policy = new CrashPolicy();
		const decisions = [0, 1, 2, 3, 4, 5].map(second => policy.recordCrash(second * 1000, second * 1000 - 10));
		expect(decisions.slice(0, 5).every(decision => decision.action === 'restart')).toBe(true);
		expect(decisions[5]).toEqual({action: 'fail', crashesInWindow: 6});

		const spread = new CrashPolicy();
		const spreadDecisions = [0, 20, 40, 60, 80, 100, 120].map(second => spread.recordCrash(second * 1000, second * 1000 - 10));
		expect(spreadDecisions.every(decision => decision.action === 'restart')).toBe(true);
	});
});

describe('log lines', () => {
	it('keeps what a terminal would show after carriage returns', () => {
		expect(collapseCarriageReturns('progress 10%\rprogress 20%\rprogress 30%')).toBe('progress 30%');
		expect(collapseCarriageReturns('windows line\r')).toBe('windows line');
		expect(collapseCarriageReturns('plain')).toBe('plain');
	});

	it('splits chunks into lines across chunk boundaries, collapsing progress lines', () => {
		const splitter = new LineSplitter();
		expect(splitter.push('first\nsec')).toEqual(['first']);
		expect(splitter.push('ond\r\nload 1%\rload 2')).toEqual(['second']);
		expect(splitter.push('%\rload 100%\n')).toEqual(['load 100%']);
		expect(splitter.push('tail')).toEqual([]);
		expect(splitter.flush()).toEqual(['tail']);
	});

	it('does not split a multi-byte character cut between chunks', () => {
		const splitter = new LineSplitter();
		const bytes = Buffer.from('café ☕\n');
		expect(splitter.push(bytes.subarray(0, 4))).toEqual([]);
		expect(splitter.push(bytes.subarray(4))).toEqual(['café ☕']);
	});

	it('caps long lines with an ellipsis and bounds a line that never ends', () => {
		expect(capLine('x'.repeat(50), 10)).toBe(`${'x'.repeat(9)}…`);
		const splitter = new LineSplitter(10);
		expect(splitter.push(`${'y'.repeat(25)}\n`)).toEqual([`${'y'.repeat(9)}…`]);
		const endless = splitter.push('z'.repeat(100));
		expect(endless).toEqual([`${'z'.repeat(9)}…`]);
	});
});

describe('line ring', () => {
	it('keeps the newest lines within the line cap', () => {
		const ring = new LineRing(3, 1_000_000);
		ring.pushAll(['1', '2', '3', '4', '5']);
		expect(ring.tail()).toEqual(['3', '4', '5']);
		expect(ring.tail(2)).toEqual(['4', '5']);
		expect(ring.length).toBe(3);
	});

	it('keeps the newest lines within the byte cap', () => {
		const ring = new LineRing(100, 25);
		for (let index = 0; index < 10; index++) ring.push(`line-${index}-x`);
		expect(ring.byteLength).toBeLessThanOrEqual(25);
		expect(ring.tail()).toEqual(['line-7-x', 'line-8-x', 'line-9-x']);
	});

	it('stays bounded under a million lines', () => {
		const ring = new LineRing(1000, 64 * 1024);
		for (let index = 0; index < 1_000_000; index++) ring.push(`flood line ${index}`);
		expect(ring.length).toBeLessThanOrEqual(1000);
		expect(ring.byteLength).toBeLessThanOrEqual(64 * 1024);
		expect(ring.tail(1)).toEqual(['flood line 999999']);
	});
});

describe('a daemon\'s log file', () => {
	const directories: string[] = [];
	afterEach(() => {
		for (const directory of directories.splice(0)) rmSync(directory, {recursive: true, force: true});
	});

	it('follows what the daemon appends through its own descriptor, rotates by size (copy, then truncate) and keeps a bounded number of files', () => {
		const directory = mkdtempSync(path.join(tmpdir(), 'ampzero-rotate-'));
		directories.push(directory);
		const file = path.join(directory, 'worker.log');
		const chunks: string[] = [];
		const log = new DaemonLogFile(file, chunk => chunks.push(chunk.toString()), {maxBytes: 100, maxFiles: 3});
		log.follow();
		// The daemon's stdout: a descriptor opened for appending, as the supervisor hands it over.
		const daemonOutput = log.openForDaemon();
		for (let index = 0; index < 30; index++) {
			writeSync(daemonOutput, `line ${String(index).padStart(3, '0')}\n`);
			log.poll();
		}
		closeSync(daemonOutput);
		log.close();
		expect(readdirSync(directory).sort()).toEqual(['worker.log', 'worker.log.1', 'worker.log.2']);
		const kept = [`${file}.2`, `${file}.1`, file].map(name => readFileSync(name, 'utf8')).join('');
		const lines = kept.trim().split('\n');
		expect(lines.at(-1)).toBe('line 029');
		const numbers = lines.map(line => Number(line.slice(5)));
		expect(numbers).toEqual(numbers.map((_, index) => numbers[0]! + index));
		for (const name of readdirSync(directory)) expect(readFileSync(path.join(directory, name), 'utf8').length).toBeLessThan(120);
		// Every byte reached the follower once, in order, across the rotations.
		expect(chunks.join('')).toBe(Array.from({length: 30}, (_, index) => `line ${String(index).padStart(3, '0')}\n`).join(''));
	});

	it('starts following at the end of what is there (an adopted daemon\'s older lines are not read twice)', () => {
		const directory = mkdtempSync(path.join(tmpdir(), 'ampzero-rotate-'));
		directories.push(directory);
		const file = path.join(directory, 'adopted.log');
		writeFileSync(file, 'old line\n');
		const chunks: string[] = [];
		const log = new DaemonLogFile(file, chunk => chunks.push(chunk.toString()));
		log.follow();
		appendFileSync(file, 'new line\n');
		log.poll();
		log.close();
		expect(chunks.join('')).toBe('new line\n');
	});
});

describe('event queue', () => {
	it('hands events to a for-await reader and drops only log batches when a reader stalls', async () => {
		const queue = new EventQueue(2);
		queue.push({type: 'log-lines', daemon: 'a', lines: ['1']});
		queue.push({type: 'log-lines', daemon: 'a', lines: ['2']});
		queue.push({type: 'log-lines', daemon: 'a', lines: ['3']});
		queue.push({type: 'run-ready', elapsedMs: 5});
		queue.end();
		const seen: string[] = [];
		for await (const event of queue) seen.push(event.type === 'log-lines' ? event.lines.join() : event.type);
		expect(seen).toEqual(['1', '2', 'run-ready']);
	});
});
