import Database from 'better-sqlite3';
import type {EntityId, EntityKey, PropertyValue} from '../../../services/zerodata/types.js';

export type Synchronous = 'normal' | 'full';

const schema = `
create table if not exists entities (
	kind text not null,
	id not null,
	properties text not null,
	primary key (kind, id)
) without rowid;
create table if not exists entity_properties (
	kind text not null,
	name text not null,
	value text not null,
	id not null,
	primary key (kind, name, value, id)
) without rowid;
create table if not exists id_counters (
	kind text primary key,
	next integer not null
) without rowid;
`;

/**
 * Entities in SQLite. Properties are kept as the JSON text the client sent, so a get answers
 * without parsing them. Every top-level scalar property is also a row of `entity_properties`,
 * which is what makes `query(kind, property, value)` an index lookup instead of a scan.
 */
export class EntityStore {
	private readonly db: Database.Database;
	private readonly statements;
	readonly putMany: (entities: Array<{kind: string; id: EntityId; properties: Record<string, unknown>}>) => void;
	readonly deleteMany: (keys: EntityKey[]) => number;
	readonly allocateIds: (kind: string, count: number) => number[];
	private readonly inTransaction: (work: () => unknown) => unknown;

	/**
	 * WAL with `synchronous=normal` hands every commit to the OS before it returns, so an
	 * acknowledged write survives the process being killed; `full` also fsyncs each commit, for
	 * power loss, at the cost of a disk flush per write.
	 */
	constructor(file: string, synchronous: Synchronous = 'normal') {
		this.db = new Database(file);
		this.db.pragma('journal_mode = WAL');
		this.db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
		this.db.pragma('busy_timeout = 5000');
		this.db.pragma('cache_size = -65536');
		this.db.pragma('temp_store = memory');
		this.db.pragma('mmap_size = 268435456');
		// Checkpoints run on their own thread (checkpointer.ts), never inside a put.
		this.db.pragma('wal_autocheckpoint = 0');
		this.db.exec(schema);
		const db = this.db;
		this.statements = {
			get: db.prepare<[string, EntityId], {properties: string}>('select properties from entities where kind = ? and id = ?'),
			upsert: db.prepare<[string, EntityId, string]>(
				'insert into entities (kind, id, properties) values (?, ?, ?) on conflict (kind, id) do update set properties = excluded.properties',
			),
			remove: db.prepare<[string, EntityId]>('delete from entities where kind = ? and id = ?'),
			addProperty: db.prepare<[string, string, string, EntityId]>(
				'insert or ignore into entity_properties (kind, name, value, id) values (?, ?, ?, ?)',
			),
			removeProperty: db.prepare<[string, string, string, EntityId]>(
				'delete from entity_properties where kind = ? and name = ? and value = ? and id = ?',
			),
			queryFirst: db.prepare<[string, string, string, number], {id: EntityId; properties: string}>(
				`select e.id, e.properties from entity_properties p join entities e on e.kind = p.kind and e.id = p.id
				where p.kind = ? and p.name = ? and p.value = ? order by p.id limit ?`,
			),
			queryAfter: db.prepare<[string, string, string, EntityId, number], {id: EntityId; properties: string}>(
				`select e.id, e.properties from entity_properties p join entities e on e.kind = p.kind and e.id = p.id
				where p.kind = ? and p.name = ? and p.value = ? and p.id > ? order by p.id limit ?`,
			),
			ensureCounter: db.prepare<[string]>('insert into id_counters (kind, next) values (?, 1) on conflict (kind) do nothing'),
			advanceCounter: db.prepare<[number, string], {next: number}>(
				'update id_counters set next = next + ? where kind = ? returning next',
			),
		};
		// Every writing transaction is BEGIN IMMEDIATE: it takes the write lock first, waiting (busy_timeout)
		// for a TRUNCATE checkpoint; a deferred one that read first would fail at once with SQLITE_BUSY.
		this.putMany = db.transaction((entities: Array<{kind: string; id: EntityId; properties: Record<string, unknown>}>) => {
			for (const entity of entities) this.putOne(entity.kind, entity.id, entity.properties);
		}).immediate;
		// Made once: better-sqlite3 builds a wrapper per transaction() call.
		this.inTransaction = db.transaction((work: () => unknown) => work()).immediate;
		this.deleteMany = db.transaction((keys: Array<{kind: string; id: EntityId}>) => {
			let deleted = 0;
			for (const key of keys) if (this.deleteOne(key.kind, key.id)) deleted += 1;
			return deleted;
		}).immediate;
		this.allocateIds = db.transaction((kind: string, count: number) => {
			this.statements.ensureCounter.run(kind);
			const row = this.statements.advanceCounter.get(count, kind);
			if (row === undefined) throw new Error(`id counter of ${kind} vanished`);
			const first = row.next - count;
			return Array.from({length: count}, (_, offset) => first + offset);
		}).immediate;
	}

	/** The properties JSON of one entity, or undefined. */
	get(kind: string, id: EntityId): string | undefined {
		return this.statements.get.get(kind, id)?.properties;
	}

	/** Inside `transaction()` this joins the open transaction rather than opening a savepoint. */
	put(kind: string, id: EntityId, properties: Record<string, unknown>): void {
		if (this.db.inTransaction) this.putOne(kind, id, properties);
		else this.putMany([{kind, id, properties}]);
	}

	delete(kind: string, id: EntityId): boolean {
		if (this.db.inTransaction) return this.deleteOne(kind, id);
		return this.deleteMany([{kind, id}]) === 1;
	}

	/** Up to `limit` entities of `kind` whose `property` equals `value`, in id order, after `afterId`. */
	query(kind: string, property: string, value: PropertyValue, limit: number, afterId?: EntityId): Array<{id: EntityId; properties: string}> {
		const encoded = JSON.stringify(value);
		return afterId === undefined
			? this.statements.queryFirst.all(kind, property, encoded, limit)
			: this.statements.queryAfter.all(kind, property, encoded, afterId, limit);
	}

	/** Runs `work` in one transaction (one commit): a database error anywhere undoes all of it. */
	transaction<T>(work: () => T): T {
		return this.inTransaction(work) as T;
	}

	close(): void {
		this.db.close();
	}

	private putOne(kind: string, id: EntityId, properties: Record<string, unknown>): void {
		const previous = this.statements.get.get(kind, id);
		if (previous !== undefined) this.forEachIndexed(JSON.parse(previous.properties) as Record<string, unknown>, (name, value) => this.statements.removeProperty.run(kind, name, value, id));
		this.statements.upsert.run(kind, id, JSON.stringify(properties));
		this.forEachIndexed(properties, (name, value) => this.statements.addProperty.run(kind, name, value, id));
	}

	private deleteOne(kind: string, id: EntityId): boolean {
		const previous = this.statements.get.get(kind, id);
		if (previous === undefined) return false;
		this.forEachIndexed(JSON.parse(previous.properties) as Record<string, unknown>, (name, value) => this.statements.removeProperty.run(kind, name, value, id));
		this.statements.remove.run(kind, id);
		return true;
	}

	private forEachIndexed(properties: Record<string, unknown>, visit: (name: string, encodedValue: string) => void): void {
		for (const [name, value] of Object.entries(properties)) {
			if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
				visit(name, JSON.stringify(value));
			}
		}
	}
}
