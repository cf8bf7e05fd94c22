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
 * lost when the supervisor is killed), rotated by size.
 */
export class RotatingLogFile {
	private fd: number;
	private size: number;
	private closed = false;

	constructor(
		readonly file: string,
		private readonly options: RotationOptions = defaultRotation,
	) {
		mkdirSync(path.dirname(file), {recursive: true});
		this.fd = openSync(file, 'a');
		this.size = fstatSync(this.fd).size;
	}

	write(chunk: Buffer | string): void {
		if (this.closed) return;
		const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
		if (this.size + data.length < this.options.maxBytes) {
			this.append(data);
			return;
		}
		// Rotate at a line's end, so that no line is split between two files; a single line longer
		// than the whole limit is the one exception, or a file could grow without bound.
		const lineEnd = data.lastIndexOf(0x0a);
		if (lineEnd === -1 && this.size + data.length < 2 * this.options.maxBytes) {
			this.append(data);
			return;
		}
		const cut = lineEnd === -1 ? data.length : lineEnd + 1;
		this.append(data.subarray(0, cut));
		this.rotate();
		if (cut < data.length) this.append(data.subarray(cut));
	}

	private append(data: Buffer): void {
		let offset = 0;
		while (offset < data.length) offset += writeSync(this.fd, data, offset);
		this.size += data.length;
	}

	close(): void {
		if (this.closed) return;
		this.closed = true;
		closeSync(this.fd);
	}

	private rotate(): void {
		closeSync(this.fd);
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
		this.fd = openSync(this.file, 'a');
		this.size = 0;
	}
}
