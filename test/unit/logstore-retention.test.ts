import {mkdtempSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import type {LogRecord} from '../../services/logstore/records.js';
import {SegmentStore} from '../../source/daemons/logstore/segment-store.js';
import {createLogger} from '../../source/daemons/shared/logger.js';

let directory: string;
beforeEach(() => {
	directory = mkdtempSync(path.join(tmpdir(), 'ampzero-retention-'));
});
afterEach(() => rmSync(directory, {recursive: true, force: true}));

const open = (maxSegments?: number): Promise<SegmentStore> =>
	SegmentStore.open({directory, maxSegmentBytes: 4096, ...(maxSegments !== undefined ? {maxSegments} : {}), logger: createLogger('logstore', {out: () => undefined, err: () => undefined})});
const record = (i: number): LogRecord => ({time: i, kind: 'access', host: 'h', data: {i, text: 'y'.repeat(200)}});

describe('logstore retention', () => {
	it('keeps at most max_segments segment files and only their records in the index; the newest records stay queryable', async () => {
		const store = await open(3);
		for (let i = 1; i <= 400; i++) await store.append([record(i)]);
		expect(readdirSync(directory).length).toBeLessThanOrEqual(3);
		expect(store.segments).toBeLessThanOrEqual(3);
		// 3 segments of ~4 KB hold about 60 of these records, however many were appended.
		expect(store.recordCount).toBeLessThan(80);
		const times = store.query({limit: 1000}).records.map(entry => entry.time);
		expect(times.at(-1)).toBe(400);
		expect(times).toEqual(Array.from({length: times.length}, (_, index) => 400 - times.length + 1 + index));
		await store.close();
		const reopened = await open(3);
		expect(reopened.query({limit: 1000}).records.map(entry => entry.time)).toEqual(times);
		await reopened.close();
	});

	it('a lower max_segments applied at open drops what is beyond it', async () => {
		const store = await open();
		for (let i = 1; i <= 200; i++) await store.append([record(i)]);
		await store.close();
		expect(readdirSync(directory).length).toBeGreaterThan(4);
		const bounded = await open(2);
		expect(readdirSync(directory).length).toBe(2);
		expect(bounded.query({limit: 1000}).records.at(-1)?.time).toBe(200);
		await bounded.close();
	});
});

describe('supervisor.log retention', () => {
	it('a run that starts with supervisor.log past its bound moves it to supervisor.log.1; below it, it is kept', async () => {
		const {writeFileSync, readFileSync, existsSync} = await import('node:fs');
		const {keepSupervisorLogBounded} = await import('../../services/supervisor/daemonize.js');
		const file = path.join(directory, 'supervisor.log');
		writeFileSync(file, 'small\n');
		keepSupervisorLogBounded(file, 1000);
		expect(readFileSync(file, 'utf8')).toBe('small\n');
		writeFileSync(`${file}.1`, 'oldest\n');
		writeFileSync(file, 'x'.repeat(2000));
		keepSupervisorLogBounded(file, 1000);
		expect(existsSync(file)).toBe(false);
		expect(readFileSync(`${file}.1`, 'utf8')).toBe('x'.repeat(2000));
	});
});
