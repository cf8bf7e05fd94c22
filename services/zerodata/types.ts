/** An entity's id: a positive whole number (from allocate-ids) or a name the caller chooses. */
export type EntityId = number | string;

export interface EntityKey {
	kind: string;
	id: EntityId;
}

export interface Entity extends EntityKey {
	properties: Record<string, unknown>;
}

/** A property filter: top-level properties holding a string, number, boolean or null are queryable. */
export type PropertyValue = string | number | boolean | null;

export interface EntityQuery {
	kind: string;
	property: string;
	value: PropertyValue;
	limit?: number;
	/** `nextCursor` of the previous page. */
	cursor?: string;
}

export interface EntityPage {
	entities: Entity[];
	nextCursor: string | null;
}

/** The endpoints; each takes and answers JSON over POST. */
export const zerodataPaths = {
	allocateIds: '/v1/allocate-ids',
	get: '/v1/get',
	put: '/v1/put',
	delete: '/v1/delete',
	query: '/v1/query',
	getMany: '/v1/get-many',
	putMany: '/v1/put-many',
	deleteMany: '/v1/delete-many',
	batch: '/v1/batch',
} as const;

/**
 * One operation of `/v1/batch`: the client sends the single gets, puts and deletes that callers
 * issue at the same moment as one signed request, and every operation gets its own result.
 */
export type BatchOperation =
	| {op: 'get'; kind: string; id: EntityId}
	| {op: 'put'; kind: string; id: EntityId; properties: Record<string, unknown>}
	| {op: 'delete'; kind: string; id: EntityId};

/** `{entity}` for a get, `{ok: true}` for a put, `{deleted}` for a delete, or `{error}` for that operation alone. */
export type BatchResult = {entity: Entity | null} | {ok: true} | {deleted: boolean} | {error: string};

const maxKindLength = 100;
const maxNameIdLength = 500;
export const maxBatchSize = 1000;
export const maxAllocateCount = 10_000;
export const defaultQueryLimit = 100;
export const maxQueryLimit = 1000;

/** Why `kind` is not a valid kind, or undefined. */
export function kindProblem(kind: unknown): string | undefined {
	if (typeof kind !== 'string' || kind === '' || kind.length > maxKindLength) {
		return `kind must be a non-empty string of at most ${maxKindLength} characters`;
	}
	return undefined;
}

/** Why `id` is not a valid id, or undefined. */
export function idProblem(id: unknown): string | undefined {
	if (typeof id === 'number') {
		return Number.isSafeInteger(id) && id > 0 ? undefined : 'a numeric id must be a positive whole number';
	}
	if (typeof id === 'string') {
		return id !== '' && id.length <= maxNameIdLength ? undefined : `a string id must have 1 to ${maxNameIdLength} characters`;
	}
	return 'id must be a positive whole number or a string';
}
