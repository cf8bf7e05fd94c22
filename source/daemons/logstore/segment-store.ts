import fs from 'node:fs';
import {open, type FileHandle} from 'node:fs/promises';
import path from 'node:path';
import {logRecordProblem, type LogPage, type LogQuery, type LogRecord} from '../../../services/logstore/records.js';
import type {Logger} from '../shared/logger.js';
import {decodeCursor, encodeCursor, LogIndex, type IndexEntry} from './log-index.js';

/**
 * Append-only JSON-lines segment files (`00000001.jsonl`, …) in one directory. An append resolves
 * only after its bytes are written and fdatasync'd; appends that arrive while a write is in flight
 * are committed together in the next one. The index lives in memory and is rebuilt at open.
 */
export interface SegmentStoreOptions {
	directory: string;
	/** A segment that has reached this size is closed and the next append starts a new one. */
	maxSegmentBytes: number;
	/**
	 * Segments kept, the current one included: past it the oldest are deleted, their records with them
	 * (from disk and from the in-memory index). Disk and memory use are bounded by about
	 * maxSegments × maxSegmentBytes. Unbounded when not given.
	 */
	maxSegments?: number;
	logger: Logger;
}

interface PendingAppend {
	lines: Buffer[];
	records: LogRecord[];
	resolve: () => void;
	reject: (error: Error) => void;
}

const segmentPattern = /^(\d{8})\.jsonl$/;
const segmentFileName = (segment: number): string => `${String(segment).padStart(8, '0')}.jsonl`;

export class SegmentStore {
	private readonly index = new LogIndex();
	private readonly readHandles = new Map<number, number>();
	private pending: PendingAppend[] = [];
	private writing: Promise<void> | undefined;
	private closed = false;

	private constructor(
		private readonly options: SegmentStoreOptions,
		private segment: number,
		private handle: FileHandle,
		private size: number,
		private segmentCount: number,
		private firstSegment: number,
	) {}

	static async open(options: SegmentStoreOptions): Promise<SegmentStore> {
		fs.mkdirSync(options.directory, {recursive: true});
		const segments = fs
			.readdirSync(options.directory)
			.map(name => segmentPattern.exec(name)?.[1])
			.filter((number): number is string => number !== undefined)
			.map(Number)
			.sort((a, b) => a - b);
		const entries: IndexEntry[] = [];
		let lastSize = 0;
		for (const [position, segment] of segments.entries()) {
			lastSize = recoverSegment(options, segment, position === segments.length - 1, entries);
		}
		const current = segments.at(-1) ?? 1;
		if (segments.length === 0) lastSize = 0;
		const handle = await open(path.join(options.directory, segmentFileName(current)), 'a');
		if (segments.length === 0) syncDirectory(options.directory);
		const store = new SegmentStore(options, current, handle, lastSize, Math.max(segments.length, 1), segments[0] ?? current);
		for (const entry of entries) store.index.add(entry);
		store.dropOldSegments();
		options.logger.info(`${store.index.size} records in ${store.segmentCount} segment(s) under ${options.directory}`);
		return store;
	}

	get recordCount(): number {
		return this.index.size;
	}

	get segments(): number {
		return this.segmentCount;
	}

	/** Resolves once every record is on disk (fdatasync'd); then queries see them. */
	append(records: LogRecord[]): Promise<void> {
		if (this.closed) return Promise.reject(new Error('logstore is closing'));
		if (records.length === 0) return Promise.resolve();
		const lines = records.map(record =>
			Buffer.from(JSON.stringify({time: record.time, kind: record.kind, host: record.host, ...(record.source === undefined ? {} : {source: record.source}), data: record.data}) + '\n'),
		);
		return new Promise((resolve, reject) => {
			this.pending.push({lines, records, resolve, reject});
			this.writing ??= this.writeLoop();
		});
	}

	query(query: LogQuery & {limit: number}): LogPage {
		let after;
		if (query.cursor !== undefined) {
			after = decodeCursor(query.cursor);
			if (after === undefined) throw new RangeError('cursor is not one this logstore returned');
		}
		const {entries, more} = this.index.find({
			limit: query.limit,
			...(query.kind !== undefined ? {kind: query.kind} : {}),
			...(query.host !== undefined ? {host: query.host} : {}),
			...(query.from !== undefined ? {from: query.from} : {}),
			...(query.to !== undefined ? {to: query.to} : {}),
			...(after !== undefined ? {after} : {}),
		});
		const records = entries.map(entry => this.readRecord(entry));
		const last = entries.at(-1);
		return {records, nextCursor: more && last !== undefined ? encodeCursor(last) : null};
	}

	/** Waits for the appends already accepted, then closes every file. */
	async close(): Promise<void> {
		this.closed = true;
		await this.writing;
		await this.handle.close();
		for (const descriptor of this.readHandles.values()) fs.closeSync(descriptor);
		this.readHandles.clear();
	}

	private async writeLoop(): Promise<void> {
		while (this.pending.length > 0) {
			const group = this.pending;
			this.pending = [];
			// Where this batch starts in the segment it goes to: taken after a roll, so that a failed
			// write is cut back to the new segment's own size, never to the old one's.
			let start = this.size;
			try {
				if (this.size >= this.options.maxSegmentBytes) {
					await this.roll();
					start = this.size;
				}
				const buffer = Buffer.concat(group.flatMap(append => append.lines));
				let written = 0;
				while (written < buffer.length) {
					const result = await this.handle.write(buffer, written, buffer.length - written);
					written += result.bytesWritten;
				}
				await this.handle.datasync();
				let offset = this.size;
				for (const append of group) {
					append.records.forEach((record, position) => {
						const length = (append.lines[position] as Buffer).length;
						this.index.add({time: record.time, kind: record.kind, host: record.host, segment: this.segment, offset, length});
						offset += length;
					});
				}
				this.size = offset;
				for (const append of group) append.resolve();
			} catch (error) {
				this.options.logger.error(`append failed: ${(error as Error).message}`);
				// Cut a partly written batch so the next append starts on a clean line.
				await this.handle.truncate(start).catch(() => undefined);
				this.size = start;
				for (const append of group) append.reject(error as Error);
			}
		}
		this.writing = undefined;
	}

	/** Opens the next segment before closing this one: a roll that fails leaves the store appending where it was. */
	private async roll(): Promise<void> {
		const next = await open(path.join(this.options.directory, segmentFileName(this.segment + 1)), 'a');
		const previous = this.handle;
		this.handle = next;
		this.segment += 1;
		this.segmentCount += 1;
		this.size = 0;
		await previous.close().catch(() => undefined);
		syncDirectory(this.options.directory);
		this.dropOldSegments();
		this.options.logger.info(`started segment ${segmentFileName(this.segment)}`);
	}

	/** Deletes the oldest segments beyond `maxSegments`, and their records from the index. */
	private dropOldSegments(): void {
		const keep = this.options.maxSegments;
		if (keep === undefined) return;
		const firstKept = this.segment - keep + 1;
		if (this.firstSegment >= firstKept) return;
		this.index.dropSegmentsBelow(firstKept);
		for (let segment = this.firstSegment; segment < firstKept; segment++) {
			const descriptor = this.readHandles.get(segment);
			if (descriptor !== undefined) fs.closeSync(descriptor);
			this.readHandles.delete(segment);
			fs.rmSync(path.join(this.options.directory, segmentFileName(segment)), {force: true});
		}
		this.options.logger.info(`retention: removed segment(s) ${segmentFileName(this.firstSegment)} to ${segmentFileName(firstKept - 1)} (max_segments ${keep})`);
		this.segmentCount -= firstKept - this.firstSegment;
		this.firstSegment = firstKept;
	}

	private readRecord(entry: IndexEntry): LogRecord {
		let descriptor = this.readHandles.get(entry.segment);
		if (descriptor === undefined) {
			descriptor = fs.openSync(path.join(this.options.directory, segmentFileName(entry.segment)), 'r');
			this.readHandles.set(entry.segment, descriptor);
		}
		const buffer = Buffer.allocUnsafe(entry.length);
		fs.readSync(descriptor, buffer, 0, entry.length, entry.offset);
		return JSON.parse(buffer.toString('utf8')) as LogRecord;
	}
}

/**
 * Indexes one segment's complete lines. A torn tail (no newline: the process died mid-write) is
 * cut off the last segment so the next append starts a fresh line; it was never acknowledged.
 * Returns the segment's size after recovery.
 */
function recoverSegment(options: SegmentStoreOptions, segment: number, isLast: boolean, entries: IndexEntry[]): number {
	const file = path.join(options.directory, segmentFileName(segment));
	const bytes = fs.readFileSync(file);
	let start = 0;
	let lineNumber = 0;
	for (let newline = bytes.indexOf(10, start); newline !== -1; newline = bytes.indexOf(10, start)) {
		lineNumber += 1;
		const text = bytes.toString('utf8', start, newline);
		let problem: string | undefined;
		let record: LogRecord | undefined;
		try {
			const value: unknown = JSON.parse(text);
			problem = logRecordProblem(value);
			if (problem === undefined) record = value as LogRecord;
		} catch (error) {
			problem = (error as Error).message;
		}
		if (record !== undefined) {
			entries.push({time: record.time, kind: record.kind, host: record.host, segment, offset: start, length: newline + 1 - start});
		} else {
			options.logger.warn(`${file}:${lineNumber}: skipped a line that is not a log record (${problem})`);
		}
		start = newline + 1;
	}
	if (start < bytes.length) {
		options.logger.warn(`${file}: ignored ${bytes.length - start} bytes of a record torn by a crash (never acknowledged)`);
		if (isLast) fs.truncateSync(file, start);
	}
	return start;
}

/** Makes a new file's directory entry durable. */
function syncDirectory(directory: string): void {
	const descriptor = fs.openSync(directory, 'r');
	try {
		fs.fsyncSync(descriptor);
	} finally {
		fs.closeSync(descriptor);
	}
}
