import {mkdtempSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {startZerodata, type RunningZerodata} from '../../source/daemons/zerodata/server.js';
import {ZerodataClient} from '../../services/zerodata/client.js';
import {createLogger} from '../../source/daemons/shared/logger.js';
import {hostKeySource, membersOf, makeHostKeys} from './zerodata-keys.js';

let temporary: string | undefined;
let server: RunningZerodata | undefined;
let client: ZerodataClient | undefined;
afterEach(async () => {
	client?.close();
	await server?.close();
	if (temporary) rmSync(temporary, {recursive: true, force: true});
	temporary = server = client = undefined;
});

describe('zerodata WAL retention', () => {
	it('after steady writes of many times max_wal_bytes the WAL file is back within it', async () => {
		temporary = mkdtempSync(path.join(tmpdir(), 'ampzero-wal-'));
		const keys = makeHostKeys([7]);
		const maxWalBytes = 256 * 1024;
		server = await startZerodata({
			host: '127.0.0.1',
			port: 0,
			directory: path.join(temporary, 'data'),
			instance: 'wal',
			members: membersOf(keys),
		hostKeys: hostKeySource(keys),
			engine: {engine: 'sqlite', maxWalBytes, checkpointIntervalMs: 50},
			logger: createLogger('zerodata', {out: () => undefined, err: line => console.error(line)}),
		});
		const host = keys.hosts[0]!;
		client = new ZerodataClient({url: server.url, hostId: host.record.id, secretKey: host.secretKey, instance: 'wal'});
		const wal = path.join(temporary, 'data', 'zerodata.db-wal');
		const text = 'z'.repeat(2000);
		let largest = 0;
		// About 8 MB written, many times the bound, with readers and writers always busy.
		const writers = Array.from({length: 4}, async (_, writer) => {
			for (let batch = 0; batch < 25; batch++) {
				await client!.putMany(Array.from({length: 20}, (_, index) => ({kind: 'blob', id: `${writer}-${batch}-${index}`, properties: {text}})));
				largest = Math.max(largest, statSync(wal).size);
			}
		});
		await Promise.all(writers);
		await new Promise(resolve => setTimeout(resolve, 300));
		expect(statSync(wal).size).toBeLessThanOrEqual(maxWalBytes);
		// Without the bound the WAL keeps its high-water mark (megabytes here) for good.
		expect(largest).toBeGreaterThan(maxWalBytes);
		expect((await client.get('blob', '3-24-19'))?.properties['text']).toBe(text);
	});
});
