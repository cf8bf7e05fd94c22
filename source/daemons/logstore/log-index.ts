import type {LogKind} from '../../../services/logstore/records.js';

/** Where one record sits on disk, with the fields queries filter on. */
export interface IndexEntry {
	time: number;
	kind: LogKind;
	host: string;
	segment: number;
	offset: number;
	length: number;
}

/** A position in the index: records sort by time, then by where they were written. */
export interface IndexKey {
	time: number;
	segment: number;
	offset: number;
}

function compareKeys(a: IndexKey, b: IndexKey): number {
	return a.time - b.time || a.segment - b.segment || a.offset - b.offset;
}

export function encodeCursor(key: IndexKey): string {
	return `${key.time}_${key.segment}_${key.offset}`;
}

/** The key a cursor names, or undefined when it is not one this store made. */
export function decodeCursor(cursor: string): IndexKey | undefined {
	const parts = cursor.split('_').map(Number);
	if (parts.length !== 3 || !parts.every(Number.isFinite)) return undefined;
	const [time, segment, offset] = parts as [number, number, number];
	return {time, segment, offset};
}

export interface IndexFilter {
	kind?: LogKind;
	host?: string;
	from?: number;
	to?: number;
	after?: IndexKey;
	limit: number;
}

/** Every record's entry, kept sorted by key so a time range is a binary search and a scan. */
export class LogIndex {
	private readonly entries: IndexEntry[] = [];

	get size(): number {
		return this.entries.length;
	}

	add(entry: IndexEntry): void {
		const last = this.entries.at(-1);
		// Records mostly arrive in time order; only late ones pay for the search and the splice.
		if (last === undefined || compareKeys(last, entry) <= 0) this.entries.push(entry);
		else this.entries.splice(this.firstIndexAfter(entry), 0, entry);
	}

	/** Forgets every entry of the segments below `segment` (their files were removed). */
	dropSegmentsBelow(segment: number): void {
		let kept = 0;
		for (const entry of this.entries) if (entry.segment >= segment) this.entries[kept++] = entry;
		this.entries.length = kept;
	}

	/** Up to `limit` matching entries, and whether more match after them. */
	find(filter: IndexFilter): {entries: IndexEntry[]; more: boolean} {
		let position = 0;
		if (filter.after !== undefined) position = this.firstIndexAfter(filter.after);
		if (filter.from !== undefined) position = Math.max(position, this.firstIndexAtOrAfterTime(filter.from));
		const found: IndexEntry[] = [];
		for (; position < this.entries.length; position++) {
			const entry = this.entries[position] as IndexEntry;
			if (filter.to !== undefined && entry.time >= filter.to) break;
			if (filter.kind !== undefined && entry.kind !== filter.kind) continue;
			if (filter.host !== undefined && entry.host !== filter.host) continue;
			if (found.length === filter.limit) return {entries: found, more: true};
			found.push(entry);
		}
		return {entries: found, more: false};
	}

	private firstIndexAfter(key: IndexKey): number {
		let low = 0;
		let high = this.entries.length;
		while (low < high) {
			const middle = (low + high) >>> 1;
			if (compareKeys(this.entries[middle] as IndexEntry, key) <= 0) low = middle + 1;
			else high = middle;
		}
		return low;
	}

	private firstIndexAtOrAfterTime(time: number): number {
		let low = 0;
		let high = this.entries.length;
		while (low < high) {
			const middle = (low + high) >>> 1;
			if ((this.entries[middle] as IndexEntry).time < time) low = middle + 1;
			else high = middle;
		}
		return low;
	}
}
