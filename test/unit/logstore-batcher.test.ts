import {describe, expect, it} from 'vitest';
import {LogBatcher} from '../../services/logstore/batcher.js';
import {LogstoreRefused} from '../../services/logstore/client.js';
import type {LogRecord} from '../../services/logstore/records.js';

const record = (i: number): LogRecord => ({time: i, kind: 'access', host: 'h', data: {i}});

describe('LogBatcher', () => {
	it('sends a batch as soon as maxRecords wait', async () => {
		const sent: number[][] = [];
		const batcher = new LogBatcher({maxRecords: 3, maxDelayMs: 60_000, send: async records => void sent.push(records.map(r => r.time))});
		for (let i = 1; i <= 7; i++) batcher.add(record(i));
		await batcher.flush();
		expect(sent).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
		expect(batcher.buffered).toBe(0);
	});

	it('sends what waited maxDelayMs even when the batch is not full', async () => {
		const sent: number[][] = [];
		const batcher = new LogBatcher({maxRecords: 100, maxDelayMs: 30, send: async records => void sent.push(records.map(r => r.time))});
		batcher.add(record(1));
		batcher.add(record(2));
		expect(sent).toEqual([]);
		const deadline = Date.now() + 2_000;
		while (sent.length === 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 10));
		expect(sent).toEqual([[1, 2]]);
	});

	it('keeps a batch that failed and sends it, in order, with the next flush', async () => {
		const sent: number[][] = [];
		const errors: string[] = [];
		let failures = 1;
		const batcher = new LogBatcher({
			maxRecords: 10,
			maxDelayMs: 60_000,
			send: async records => {
				if (failures-- > 0) throw new Error('logstore down');
				sent.push(records.map(r => r.time));
			},
			onError: error => errors.push(error.message),
		});
		batcher.add(record(1));
		batcher.add(record(2));
		await batcher.flush();
		expect(errors).toEqual(['logstore down']);
		expect(batcher.buffered).toBe(2);
		batcher.add(record(3));
		await batcher.close();
		expect(sent).toEqual([[1, 2, 3]]);
		expect(batcher.buffered).toBe(0);
	});

	it('drops the oldest records beyond maxBuffered and says how many', async () => {
		const dropped: number[] = [];
		const batcher = new LogBatcher({
			maxRecords: 100,
			maxDelayMs: 60_000,
			maxBuffered: 3,
			send: async () => undefined,
			onError: (_error, count) => dropped.push(count),
		});
		for (let i = 1; i <= 5; i++) batcher.add(record(i));
		expect(batcher.buffered).toBe(3);
		expect(dropped).toEqual([1, 1]);
		await batcher.close();
	});

	it('drops and counts a batch the logstore refused (4xx), and the batches after it still go out; a 5xx or a network error is retried', async () => {
		const sent: number[][] = [];
		const reports: Array<[string, number]> = [];
		const refusals = [new LogstoreRefused('logstore refused POST /append: bad record (status 400)', 400), new LogstoreRefused('busy (status 503)', 503), new Error('cannot reach logstore')];
		const batcher = new LogBatcher({
			maxRecords: 10,
			maxDelayMs: 60_000,
			send: async records => {
				const failure = refusals.shift();
				if (failure) throw failure;
				sent.push(records.map(r => r.time));
			},
			onError: (error, dropped) => reports.push([error.message, dropped]),
		});
		batcher.add(record(1));
		batcher.add(record(2));
		await batcher.flush();
		expect(batcher.refusedRecords).toBe(2);
		expect(batcher.buffered).toBe(0);
		batcher.add(record(3));
		batcher.add(record(4));
		await batcher.flush();
		expect(batcher.buffered).toBe(2);
		await batcher.flush();
		expect(batcher.buffered).toBe(2);
		await batcher.close();
		expect(sent).toEqual([[3, 4]]);
		expect(batcher.refusedRecords).toBe(2);
		expect(reports).toEqual([
			['logstore refused POST /append: bad record (status 400)', 2],
			['busy (status 503)', 0],
			['cannot reach logstore', 0],
		]);
	});
});
