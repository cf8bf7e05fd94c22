import {closeSync, existsSync, openSync, readFileSync, readSync, statSync} from 'node:fs';
import {collapseCarriageReturns} from './log-lines.js';
import {TextLines} from './text-lines.js';

/** The last `count` lines of a daemon's log, reaching into the rotated `.1` file when the current one is short. */
export function lastLogLines(file: string, count: number): string[] {
	const lines: string[] = [];
	for (const candidate of [file, `${file}.1`, `${file}.2`]) {
		if (lines.length >= count || !existsSync(candidate)) break;
		const text = readFileSync(candidate, 'utf8');
		const own = text === '' ? [] : text.replace(/\n$/, '').split('\n').map(collapseCarriageReturns);
		lines.unshift(...own.slice(-(count - lines.length)));
	}
	return lines;
}

/**
 * Prints lines appended to a log file until `signal` aborts, following it across rotation (the
 * file shrinking or being replaced starts reading the new one from its beginning).
 */
export async function followLogFile(file: string, onLines: (lines: string[]) => void, signal: AbortSignal, intervalMs = 100): Promise<void> {
	let offset = existsSync(file) ? statSync(file).size : 0;
	let inode = existsSync(file) ? statSync(file).ino : 0;
	// A read can end inside a character or a line the daemon has not finished writing.
	const lines = new TextLines();
	while (!signal.aborted) {
		await new Promise(resolve => setTimeout(resolve, intervalMs));
		if (!existsSync(file)) continue;
		const stat = statSync(file);
		if (stat.ino !== inode || stat.size < offset) {
			inode = stat.ino;
			offset = 0;
			lines.reset();
		}
		if (stat.size === offset) continue;
		const length = stat.size - offset;
		const buffer = Buffer.alloc(length);
		const fd = openSync(file, 'r');
		try {
			readSync(fd, buffer, 0, length, offset);
		} finally {
			closeSync(fd);
		}
		offset = stat.size;
		const parts = lines.push(buffer);
		if (parts.length > 0) onLines(parts.map(collapseCarriageReturns));
	}
}
