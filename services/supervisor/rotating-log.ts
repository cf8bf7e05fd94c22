import {closeSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync} from 'node:fs';
import path from 'node:path';

export interface RotationOptions {
	maxBytes: number;
	/** Files kept in all: `<name>.log` and `<name>.log.1` … `<name>.log.<maxFiles-1>`. */
	maxFiles: number;
}

export const defaultRotation: RotationOptions = {maxBytes: 10 * 1024 * 1024, maxFiles: 3};

/**
 * A daemon's log file: every byte it writes, appended as it arrives (synchronously, so nothing is
 * lost when the supervisor is killed), rotated by size. A write that fails (a full disk, an I/O
 * error) never throws: the lines are counted as dropped and writing is tried again with the next chunk.
 */
export class RotatingLogFile {
	private fd: number | undefined;
	private size = 0;
	private closed = false;
	/** Lines that could not be written, since the file was opened. */
	droppedLines = 0;
	/** The error of the last failed write; undefined once a write succeeds again. */
	failure: NodeJS.ErrnoException | undefined;

	constructor(
		readonly file: string,
		private readonly options: RotationOptions = defaultRotation,
	) {
		mkdirSync(path.dirname(file), {recursive: true});
		this.reopen();
	}

	/** Appends `chunk`; returns how many of its lines were dropped (0 when all were written). */
	write(chunk: Buffer | string): number {
		if (this.closed) return 0;
		const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
		let written = 0;
		try {
			if (this.fd === undefined) this.reopen();
			if (this.size + data.length < this.options.maxBytes) {
				written = this.append(data);
			} else {
				// Rotate at a line's end, so that no line is split between two files; a single line longer
				// than the whole limit is the one exception, or a file could grow without bound.
				const lineEnd = data.lastIndexOf(0x0a);
				if (lineEnd === -1 && this.size + data.length < 2 * this.options.maxBytes) {
					written = this.append(data);
				} else {
					const cut = lineEnd === -1 ? data.length : lineEnd + 1;
					written = this.append(data.subarray(0, cut));
					this.rotate();
					if (cut < data.length) written += this.append(data.subarray(cut));
				}
			}
			this.failure = undefined;
			return 0;
		} catch (error) {
			this.failure = error as NodeJS.ErrnoException;
			const lost = data.subarray(written);
			let lines = 0;
			for (let index = lost.indexOf(0x0a); index !== -1; index = lost.indexOf(0x0a, index + 1)) lines++;
			const dropped = Math.max(1, lines);
			this.droppedLines += dropped;
			return dropped;
		}
	}

	/** Writes all of `data` or throws; returns the bytes written (all of them). */
	private append(data: Buffer): number {
		let offset = 0;
		while (offset < data.length) {
			const count = writeSync(this.fd!, data, offset);
			offset += count;
			this.size += count;
		}
		return data.length;
	}

	close(): void {
		if (this.closed) return;
		this.closed = true;
		if (this.fd !== undefined) closeSync(this.fd);
		this.fd = undefined;
	}

	private reopen(): void {
		this.fd = openSync(this.file, 'a');
		this.size = fstatSync(this.fd).size;
	}

	private rotate(): void {
		const fd = this.fd!;
		this.fd = undefined;
		closeSync(fd);
		rmSync(`${this.file}.${this.options.maxFiles - 1}`, {force: true});
		for (let index = this.options.maxFiles - 2; index >= 1; index--) {
			try {
				renameSync(`${this.file}.${index}`, `${this.file}.${index + 1}`);
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
			}
		}
		if (this.options.maxFiles > 1) renameSync(this.file, `${this.file}.1`);
		else rmSync(this.file, {force: true});
		this.reopen();
	}
}
