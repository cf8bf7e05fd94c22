import {statSync} from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import type {LogRecord} from '../../services/logstore/records.js';
import {SegmentStore} from '../../source/daemons/logstore/segment-store.js';
import {createLogger} from '../../source/daemons/shared/logger.js';
import {mountSmallDisk, type SmallDisk} from '../helpers/tmpfs.js';

let disk: SmallDisk | undefined;
afterEach(() => {
	disk?.unmount();
	disk = undefined;
});

const record = (i: number): LogRecord => ({time: i, kind: 'usage', host: 'h', data: {i, text: 'x'.repeat(150)}});
const maxSegmentBytes = 8192;

async function openStore(directory: string): Promise<SegmentStore> {
	return SegmentStore.open({directory, maxSegmentBytes, logger: createLogger('logstore', {out: () => undefined, err: () => undefined})});
}

function times(store: SegmentStore): number[] {
	return store.query({limit: 100_000}).records.map(entry => entry.time);
}

describe('logstore on a full disk', () => {
	it('an append that fails right after a segment roll leaves the new segment whole: every acknowledged record queryable, nothing unacknowledged', async () => {
		disk = mountSmallDisk('1m');
		const directory = path.join(disk.directory, 'segments');
		const store = await openStore(directory);
		const acknowledged: number[] = [];
		const refused: number[] = [];
		const append = async (i: number): Promise<void> => {
			try {
				await store.append([record(i)]);
				acknowledged.push(i);
			} catch {
				refused.push(i);
			}
		};
		let i = 0;
		// Fill the first segment up to its limit: the next append rolls to a new one.
		while (statSync(path.join(directory, '00000001.jsonl')).size < maxSegmentBytes) await append(++i);
		disk.fill();
		await append(++i);
		expect(refused.length).toBe(1);
		expect(store.segments).toBe(2);
		disk.free();
		for (let more = 0; more < 60; more++) await append(++i);
		expect(refused.length).toBe(1);

		expect(times(store)).toEqual(acknowledged);
		await store.close();
		const reopened = await openStore(directory);
		expect(times(reopened)).toEqual(acknowledged);
		await reopened.close();
	});
});
