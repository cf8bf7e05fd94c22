import {mkdirSync} from 'node:fs';
import path from 'node:path';
import type {Logger} from '../shared/logger.js';
import {startCheckpointer, type Checkpointer} from './checkpointer.js';
import {EntityStore, type Synchronous} from './entity-store.js';
import type {StoreOperation, StoreOutcome, ZerodataStore} from './store.js';

interface PendingRun {
	operations: StoreOperation[];
	resolve: (outcomes: StoreOutcome[]) => void;
	reject: (error: unknown) => void;
}

/**
 * The embedded engine: `zerodata.db` in one directory, one process. Writes that arrive while the
 * event loop is busy (the requests read in one poll of the sockets) commit together: they are
 * queued and run in one transaction on the next `setImmediate`, and each is acknowledged only
 * after that commit. If the group fails, each run is retried alone so one bad run fails alone.
 */
export class SqliteStore implements ZerodataStore {
	readonly engine = 'sqlite';
	private readonly store: EntityStore;
	private readonly checkpointer: Checkpointer;
	private pending: PendingRun[] = [];
	private flushScheduled = false;

	constructor(directory: string, synchronous: Synchronous, logger: Logger, retention: {maxWalBytes?: number; checkpointIntervalMs?: number} = {}) {
		mkdirSync(directory, {recursive: true});
		const file = path.join(directory, 'zerodata.db');
		this.store = new EntityStore(file, synchronous);
		this.checkpointer = startCheckpointer(file, retention.checkpointIntervalMs ?? 1000, message => logger.error(message), retention.maxWalBytes);
	}

	run(operations: StoreOperation[]): Promise<StoreOutcome[]> {
		if (operations.every(operation => operation.op === 'get')) {
			// Reads see every acknowledged write already: nothing to wait for.
			try {
				return Promise.resolve(operations.map(operation => this.store.get(operation.kind, operation.id) ?? null));
			} catch (error) {
				return Promise.reject(error);
			}
		}
		return new Promise((resolve, reject) => {
			this.pending.push({operations, resolve, reject});
			if (!this.flushScheduled) {
				this.flushScheduled = true;
				setImmediate(() => this.flush());
			}
		});
	}

	async allocateIds(kind: string, count: number): Promise<number[]> {
		return this.store.allocateIds(kind, count);
	}

	async query(...args: Parameters<ZerodataStore['query']>): ReturnType<ZerodataStore['query']> {
		return this.store.query(...args);
	}

	async close(): Promise<void> {
		if (this.pending.length > 0) this.flush();
		await this.checkpointer.stop();
		this.store.close();
	}

	private flush(): void {
		const group = this.pending;
		this.pending = [];
		this.flushScheduled = false;
		if (group.length === 0) return;
		let outcomes: StoreOutcome[][];
		try {
			outcomes = this.store.transaction(() => group.map(entry => this.apply(entry.operations)));
		} catch {
			for (const entry of group) {
				try {
					entry.resolve(this.store.transaction(() => this.apply(entry.operations)));
				} catch (error) {
					entry.reject(error);
				}
			}
			return;
		}
		group.forEach((entry, index) => entry.resolve(outcomes[index] ?? []));
	}

	private apply(operations: StoreOperation[]): StoreOutcome[] {
		return operations.map(operation => {
			if (operation.op === 'get') return this.store.get(operation.kind, operation.id) ?? null;
			if (operation.op === 'put') {
				this.store.put(operation.kind, operation.id, operation.properties);
				return true;
			}
			return this.store.delete(operation.kind, operation.id);
		});
	}
}
