import {closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, truncateSync, writeSync} from 'node:fs';
import path from 'node:path';

export interface RotationOptions {
	maxBytes: number;
	/** Files kept in all: `<name>.log` and `<name>.log.1` … `<name>.log.<maxFiles-1>`. */
	maxFiles: number;
}

export const defaultRotation: RotationOptions = {maxBytes: 10 * 1024 * 1024, maxFiles: 3};

/** The most one poll reads before it lets other work run (a flood is read in slices, never in one go). */
const maxBytesPerTurn = 1024 * 1024;
const readSize = 64 * 1024;

/**
 * A daemon's log file, which the daemon itself writes: its stdout and stderr are this file,
 * opened for appending, so they outlive the supervisor (a supervisor killed with -9 leaves
 * daemons that keep logging, never a broken pipe, and the next supervisor follows the same file).
 * The supervisor follows the file from an offset for the dashboard, and rotates it by size:
 * it copies the file to `.1` and truncates it (the daemon's appends then start again at its
 * beginning). A line written in the instant between the copy's last read and the truncation can be lost.
 */
export class DaemonLogFile {
	private readFd: number | undefined;
	private offset = 0;
	private timer: NodeJS.Timeout | undefined;
	private closed = false;

	constructor(
		readonly file: string,
		private readonly onChunk: (chunk: Buffer) => void,
		private readonly rotation: RotationOptions = defaultRotation,
		private readonly pollIntervalMs = 50,
	) {
		mkdirSync(path.dirname(file), {recursive: true});
	}

	/** A descriptor for a new process's stdout and stderr (appending); the caller closes it once the process has it. */
	openForDaemon(): number {
		return openSync(this.file, 'a', 0o640);
	}

	/** Follows the file from its current end (what is already there was read before, or belongs to an older process). */
	follow(): void {
		if (this.closed) return;
		if (this.readFd === undefined) {
			this.readFd = openSync(this.file, 'a+');
			this.offset = fstatSync(this.readFd).size;
		}
		this.timer ??= setInterval(() => this.poll(), this.pollIntervalMs);
	}

	/** Reads what was appended since the last poll (up to a bound; the rest on the next turn), and rotates a full file. */
	poll(): void {
		if (this.closed || this.readFd === undefined) return;
		try {
			const size = fstatSync(this.readFd).size;
			// Shorter than what was read: someone else truncated it; start again at its beginning.
			if (size < this.offset) this.offset = 0;
			let read = 0;
			while (this.offset < size && read < maxBytesPerTurn) read += this.readRange(size);
			if (this.offset < size) {
				setImmediate(() => this.poll());
				return;
			}
			if (size >= this.rotation.maxBytes) this.rotate();
		} catch {
			// A full disk (the copy failed) or an I/O error: tried again on the next poll.
		}
	}

	/** Stops following (the daemon may keep writing the file: it is its stdout). */
	close(): void {
		if (this.closed) return;
		this.poll();
		this.closed = true;
		clearInterval(this.timer);
		this.timer = undefined;
		if (this.readFd !== undefined) closeSync(this.readFd);
		this.readFd = undefined;
	}

	private readRange(size: number): number {
		const buffer = Buffer.allocUnsafe(Math.min(readSize, size - this.offset));
		const count = readSync(this.readFd!, buffer, 0, buffer.length, this.offset);
		if (count === 0) {
			this.offset = size;
			return 0;
		}
		this.offset += count;
		this.onChunk(buffer.subarray(0, count));
		return count;
	}

	private rotate(): void {
		const {maxFiles} = this.rotation;
		if (maxFiles <= 1) {
			truncateSync(this.file, 0);
			this.offset = 0;
			return;
		}
		rmSync(`${this.file}.${maxFiles - 1}`, {force: true});
		for (let index = maxFiles - 2; index >= 1; index--) {
			try {
				renameSync(`${this.file}.${index}`, `${this.file}.${index + 1}`);
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
			}
		}
		const rotated = `${this.file}.1`;
		// Copied in our own loop, chasing the daemon's appends until the copy has caught up with the file,
		// then truncated at once: only what the daemon appends between the last look and the truncation is lost.
		const copy = openSync(rotated, 'w', 0o640);
		try {
			const buffer = Buffer.allocUnsafe(readSize);
			let copied = 0;
			for (let size = fstatSync(this.readFd!).size; copied < size && copied < 2 * this.rotation.maxBytes; size = fstatSync(this.readFd!).size) {
				while (copied < size) {
					const count = readSync(this.readFd!, buffer, 0, Math.min(readSize, size - copied), copied);
					if (count === 0) break;
					writeSync(copy, buffer, 0, count);
					// Past what the watchers have had: they get it too.
					if (copied + count > this.offset) {
						this.onChunk(Buffer.from(buffer.subarray(Math.max(0, this.offset - copied), count)));
						this.offset = copied + count;
					}
					copied += count;
				}
			}
			truncateSync(this.file, 0);
		} finally {
			closeSync(copy);
		}
		this.offset = 0;
	}
}
