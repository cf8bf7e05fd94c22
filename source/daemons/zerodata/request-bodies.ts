import {
	defaultQueryLimit,
	idProblem,
	kindProblem,
	maxAllocateCount,
	maxBatchSize,
	maxQueryLimit,
	type EntityId,
	type EntityKey,
	type PropertyValue,
} from '../../../services/zerodata/types.js';
import {HttpError} from '../../../services/http/http-error.js';
import {expectObject} from '../../../services/http/request-body.js';

/** Turns request bodies into checked values; anything malformed is a 400 naming the field. */

const bad = (message: string): HttpError => new HttpError(400, message);

export function entityKey(value: unknown, where: string): EntityKey {
	const object = expectObject(value, where);
	const kindError = kindProblem(object['kind']);
	if (kindError) throw bad(`${where}: ${kindError}`);
	const idError = idProblem(object['id']);
	if (idError) throw bad(`${where}: ${idError}`);
	return {kind: object['kind'] as string, id: object['id'] as EntityId};
}

export function entity(value: unknown, where: string): EntityKey & {properties: Record<string, unknown>} {
	const key = entityKey(value, where);
	const properties = (value as Record<string, unknown>)['properties'];
	if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) {
		throw bad(`${where}: properties must be a JSON object`);
	}
	return {...key, properties: properties as Record<string, unknown>};
}

export function batch(body: unknown, field: string): unknown[] {
	const list = expectObject(body, 'the request body')[field];
	if (!Array.isArray(list)) throw bad(`${field} must be a list`);
	if (list.length > maxBatchSize) throw bad(`${field} has ${list.length} entries; at most ${maxBatchSize} per request`);
	return list;
}

export function allocation(body: unknown): {kind: string; count: number} {
	const object = expectObject(body, 'the request body');
	const kindError = kindProblem(object['kind']);
	if (kindError) throw bad(kindError);
	const count = object['count'];
	if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > maxAllocateCount) {
		throw bad(`count must be a whole number from 1 to ${maxAllocateCount}`);
	}
	return {kind: object['kind'] as string, count};
}

export function entityQuery(body: unknown): {kind: string; property: string; value: PropertyValue; limit: number; after?: EntityId} {
	const object = expectObject(body, 'the request body');
	const kindError = kindProblem(object['kind']);
	if (kindError) throw bad(kindError);
	const property = object['property'];
	if (typeof property !== 'string' || property === '') throw bad('property must be a non-empty string');
	const value = object['value'];
	if (!(value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) {
		throw bad('value must be a string, number, boolean or null (only scalar properties are indexed)');
	}
	const limit = object['limit'] ?? defaultQueryLimit;
	if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > maxQueryLimit) {
		throw bad(`limit must be a whole number from 1 to ${maxQueryLimit}`);
	}
	const cursor = object['cursor'];
	if (cursor === undefined || cursor === null) return {kind: object['kind'] as string, property, value, limit};
	let after: unknown;
	try {
		after = typeof cursor === 'string' ? JSON.parse(cursor) : undefined;
	} catch {
		after = undefined;
	}
	if (idProblem(after) !== undefined) throw bad('cursor is not one this zerodata returned');
	return {kind: object['kind'] as string, property, value, limit, after: after as EntityId};
}
