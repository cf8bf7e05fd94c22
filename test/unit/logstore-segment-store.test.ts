import {appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {SegmentStore} from '../../source/daemons/logstore/segment-store.js';
import {createLogger} from '../../source/daemons/shared/logger.js';
import type {LogRecord} from '../../services/logstore/records.js';

let directory: string;
let warnings: string[];

beforeEach(() => {
	directory = mkdtempSync(path.join(tmpdir(), 'ampzero-segments-'));
	warnings = [];
});

afterEach(() => rmSync(directory, {recursive: true, force: true}));

const open = () =>
	SegmentStore.open({directory, maxSegmentBytes: 1 << 20, logger: createLogger('logstore', {out: () => undefined, err: line => warnings.push(line)})});
const record = (i: number): LogRecord => ({time: i, kind: 'usage', host: 'h', data: {i}});

describe('SegmentStore recovery', () => {
	it('ignores a torn last line, cuts it off, and appends cleanly after it', async () => {
		const first = await open();
		await first.append([record(1), record(2)]);
		await first.close();
		const [segment] = readdirSync(directory);
		const file = path.join(directory, segment ?? '');
		const intact = readFileSync(file, 'utf8');
		const torn = '{"time":3,"kind":"usage","ho';
		appendFileSync(file, torn);

		const second = await open();
		expect(warnings.join('')).toContain(`ignored ${torn.length} bytes of a record torn by a crash`);
		expect(readFileSync(file, 'utf8')).toBe(intact);
		await second.append([record(4)]);
		expect(second.query({limit: 10}).records).toEqual([record(1), record(2), record(4)]);
		await second.close();

		const third = await open();
		expect(third.recordCount).toBe(3);
		await third.close();
	});

	it('skips a complete line that is not a record and keeps the rest', async () => {
		const first = await open();
		await first.append([record(1)]);
		await first.close();
		const file = path.join(directory, readdirSync(directory)[0] ?? '');
		appendFileSync(file, '{"time":"later"}\n' + JSON.stringify(record(2)) + '\n');
		const second = await open();
		expect(second.query({limit: 10}).records).toEqual([record(1), record(2)]);
		expect(warnings.join('')).toMatch(/:2: skipped a line that is not a log record \(time must be a number/);
		await second.close();
	});
});
