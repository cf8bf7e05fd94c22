import {createRequire} from 'node:module';
import {Worker} from 'node:worker_threads';

/*
 * SQLite's automatic WAL checkpoint runs inside whichever commit crosses the threshold, and it
 * fsyncs the database: that put waits tens of milliseconds. Instead the serving connection never
 * checkpoints, and this worker thread, with its own connection, runs a PASSIVE checkpoint every
 * `intervalMs`; it copies committed pages while the server keeps writing. A PASSIVE checkpoint never
 * shrinks the WAL file, and under steady writes SQLite never gets to restart it: past `maxWalBytes`
 * a TRUNCATE checkpoint (writers wait for it, briefly) empties it.
 */

const workerSource = `
const {parentPort, workerData} = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const walSize = () => {
	try {
		return require('node:fs').statSync(workerData.file + '-wal').size;
	} catch {
		return 0;
	}
};
const checkpoint = () => {
	try {
		db.pragma('wal_checkpoint(PASSIVE)');
		if (walSize() > workerData.maxWalBytes) db.pragma('wal_checkpoint(TRUNCATE)');
	} catch (error) {
		parentPort.postMessage({error: String(error && error.message || error)});
	}
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', message => {
	if (message === 'stop') {
		clearInterval(timer);
		checkpoint();
		db.close();
		parentPort.postMessage({stopped: true});
	}
});
`;

export const defaultMaxWalBytes = 64 * 1024 * 1024;

export interface Checkpointer {
	stop(): Promise<void>;
}

export function startCheckpointer(file: string, intervalMs: number, onError: (message: string) => void, maxWalBytes = defaultMaxWalBytes): Checkpointer {
	const driver = createRequire(import.meta.url).resolve('better-sqlite3');
	// execArgv: [] so a parent started with --input-type=module does not make this CommonJS source an ES module.
	const worker = new Worker(workerSource, {eval: true, execArgv: [], workerData: {file, intervalMs, driver, maxWalBytes}});
	let exited = false;
	worker.once('exit', () => (exited = true));
	worker.on('message', (message: {error?: string}) => {
		if (message.error !== undefined) onError(`checkpoint failed: ${message.error}`);
	});
	worker.on('error', error => onError(`checkpoint thread failed: ${error.message}`));
	return {
		stop: () =>
			new Promise<void>(resolve => {
				if (exited) {
					resolve();
					return;
				}
				const timeout = setTimeout(() => void worker.terminate().then(() => resolve()), 3000);
				worker.once('exit', () => {
					clearTimeout(timeout);
					resolve();
				});
				worker.once('message', () => void worker.terminate());
				worker.postMessage('stop');
			}),
	};
}
