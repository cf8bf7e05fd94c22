import pg from 'pg';
import type {EntityId, PropertyValue} from '../../../services/zerodata/types.js';
import {AmpError, errorMessage} from '../../../services/errors.js';
import {idFromKey, idKey, indexedValue} from './id-keys.js';
import {schema, schemaLockKey} from './postgresql-schema.js';
import type {StoreOperation, StoreOutcome, ZerodataStore} from './store.js';

/** PostgreSQL's codes for a transaction it aborted to break a deadlock or a serialization conflict: safe to run again. */
const retryableCodes = new Set(['40P01', '40001']);
const maxAttempts = 5;

/**
 * The engine for more than one zerodata process: every process over the same database serves
 * the same entities, and ids come from one counter row updated atomically.
 */
export class PostgresqlStore implements ZerodataStore {
	readonly engine = 'postgresql';

	private constructor(
		private readonly pool: pg.Pool,
		/** The database's URL, for the nonce log that shares it. */
		readonly url: string,
	) {}

	static async open(url: string, poolSize = 8): Promise<PostgresqlStore> {
		const pool = new pg.Pool({connectionString: url, max: poolSize, connectionTimeoutMillis: 10_000});
		// An idle client's error (the server restarting) must not end the process; the next query reconnects.
		pool.on('error', () => {});
		let client: pg.PoolClient;
		try {
			client = await pool.connect();
		} catch (error) {
			await pool.end().catch(() => {});
			throw new AmpError(`cannot connect to PostgreSQL at ${redact(url)} (${errorMessage(error)}); is it running, and does the URL name its socket or port?`);
		}
		try {
			// Two processes starting together must not both create the tables.
			await client.query('begin');
			await client.query('select pg_advisory_xact_lock($1)', [schemaLockKey]);
			await client.query(schema);
			await client.query('commit');
		} catch (error) {
			await client.query('rollback').catch(() => {});
			client.release();
			await pool.end().catch(() => {});
			throw new AmpError(`cannot set up zerodata's tables in PostgreSQL at ${redact(url)}: ${errorMessage(error)}`);
		}
		client.release();
		return new PostgresqlStore(pool, url);
	}

	async run(operations: StoreOperation[]): Promise<StoreOutcome[]> {
		const encoded = JSON.stringify(operations.map(encodeOperation));
		const {rows} = await this.withRetry(() => this.pool.query<{outcomes: Array<string | null>}>('select zerodata_run($1::jsonb) as outcomes', [encoded]));
		const outcomes = rows[0]?.outcomes ?? [];
		return operations.map((operation, index) => {
			const outcome = outcomes[index] ?? null;
			if (operation.op === 'get') return outcome;
			if (operation.op === 'put') return true;
			return outcome === 'deleted';
		});
	}

	async allocateIds(kind: string, count: number): Promise<number[]> {
		// One statement: the row lock makes concurrent allocations, from any process, take turns.
		const {rows} = await this.withRetry(() =>
			this.pool.query<{next: string}>(
				`insert into zerodata_id_counters (kind, next) values ($1, 1 + $2::bigint)
				on conflict (kind) do update set next = zerodata_id_counters.next + $2::bigint returning next`,
				[kind, count],
			),
		);
		const next = Number(rows[0]?.next);
		if (!Number.isSafeInteger(next)) throw new Error(`id counter of ${kind} answered ${String(rows[0]?.next)}`);
		const first = next - count;
		return Array.from({length: count}, (_, offset) => first + offset);
	}

	async query(kind: string, property: string, value: PropertyValue, limit: number, afterId?: EntityId): Promise<Array<{id: EntityId; properties: string}>> {
		const {rows} = await this.pool.query<{id_key: string; properties: string}>(
			`select e.id_key, e.properties from zerodata_properties p
			join zerodata_entities e on e.kind = p.kind and e.id_key = p.id_key
			where p.kind = $1 and p.name = $2 and p.value = $3 and p.id_key > $4
			order by p.id_key limit $5`,
			[kind, property, indexedValue(JSON.stringify(value)), afterId === undefined ? '' : idKey(afterId), limit],
		);
		return rows.map(row => ({id: idFromKey(row.id_key), properties: row.properties}));
	}

	async close(): Promise<void> {
		await this.pool.end();
	}

	private async withRetry<T>(work: () => Promise<T>): Promise<T> {
		for (let attempt = 1; ; attempt++) {
			try {
				return await work();
			} catch (error) {
				const code = (error as {code?: string}).code;
				if (attempt >= maxAttempts || code === undefined || !retryableCodes.has(code)) throw error;
				await new Promise(resolve => setTimeout(resolve, attempt * 5 * Math.random()));
			}
		}
	}
}

function encodeOperation(operation: StoreOperation): Record<string, unknown> {
	const key = idKey(operation.id);
	if (operation.op !== 'put') return {op: operation.op, kind: operation.kind, key};
	const index: Array<{name: string; value: string}> = [];
	for (const [name, value] of Object.entries(operation.properties)) {
		if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
			index.push({name, value: indexedValue(JSON.stringify(value))});
		}
	}
	return {op: 'put', kind: operation.kind, key, properties: JSON.stringify(operation.properties), index};
}

/** The URL without its password, for messages. */
function redact(url: string): string {
	try {
		const parsed = new URL(url);
		if (parsed.password) parsed.password = '***';
		return parsed.toString();
	} catch {
		return url;
	}
}

/**
 * Accepted nonces in the shared database: a request accepted by one zerodata process is a replay
 * to every other. They go through their own few connections with asynchronous commit, so that
 * remembering a nonce does not wait for a WAL flush of its own: the row is in PostgreSQL before the
 * request is served and outlives any zerodata restart; only a crash of PostgreSQL itself within
 * a fraction of a second could forget it.
 */
export class PostgresqlNonceLog {
	private inserted = 0;
	private readonly pool: pg.Pool;

	constructor(url: string) {
		this.pool = new pg.Pool({connectionString: url, max: 4, connectionTimeoutMillis: 10_000, options: '-c synchronous_commit=off'});
		this.pool.on('error', () => {});
	}

	async remember(nonce: string, expiresAt: number, now: number): Promise<boolean> {
		const result = await this.pool.query('insert into zerodata_seen_nonces (nonce, expires_at) values ($1, $2) on conflict do nothing', [nonce, expiresAt]);
		if (++this.inserted % 1000 === 0) await this.pool.query('delete from zerodata_seen_nonces where expires_at < $1', [now]);
		return result.rowCount === 1;
	}

	async close(): Promise<void> {
		await this.pool.end();
	}
}
