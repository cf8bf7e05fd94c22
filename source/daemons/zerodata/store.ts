import type {EntityId, PropertyValue} from '../../../services/zerodata/types.js';

/** One operation of a `run`: read, replace or remove one entity. */
export type StoreOperation =
	| {op: 'get'; kind: string; id: EntityId}
	| {op: 'put'; kind: string; id: EntityId; properties: Record<string, unknown>}
	| {op: 'delete'; kind: string; id: EntityId};

/** Per operation: a get's properties JSON text (null when absent), `true` for a put, whether a delete found the entity. */
export type StoreOutcome = string | null | boolean;

/**
 * Where zerodata keeps entities: SQLite (embedded, one process) or PostgreSQL (shared by any
 * number of zerodata processes). Properties travel as the JSON text the client sent.
 */
export interface ZerodataStore {
	readonly engine: 'sqlite' | 'postgresql';
	/** Runs the operations in order in one transaction; a database error undoes all of them. Resolves after the commit. */
	run(operations: StoreOperation[]): Promise<StoreOutcome[]>;
	/** `count` ids never handed out before for `kind`, by this process or any other over the same store. */
	allocateIds(kind: string, count: number): Promise<number[]>;
	/** Up to `limit` entities of `kind` whose `property` equals `value`, in id order, after `afterId`. */
	query(kind: string, property: string, value: PropertyValue, limit: number, afterId?: EntityId): Promise<Array<{id: EntityId; properties: string}>>;
	close(): Promise<void>;
}
