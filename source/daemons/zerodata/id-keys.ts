import {createHash} from 'node:crypto';
import type {EntityId} from '../../../services/zerodata/types.js';

/*
 * An id as one text key that sorts like SQLite sorts mixed ids: numbers (`n` + 16 digits, enough
 * for every safe integer) before names (`s` + the name), numbers in numeric order.
 */
export function idKey(id: EntityId): string {
	return typeof id === 'number' ? `n${String(id).padStart(16, '0')}` : `s${id}`;
}

export function idFromKey(key: string): EntityId {
	return key.startsWith('n') ? Number(key.slice(1)) : key.slice(1);
}

/** A B-tree entry holds at most about 2.7 kB: long indexed values are kept as their hash (queries hash alike). */
export function indexedValue(encoded: string): string {
	return encoded.length <= 512 ? encoded : `#${createHash('sha256').update(encoded).digest('base64')}`;
}
