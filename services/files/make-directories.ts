import {mkdir, stat} from 'node:fs/promises';
import path from 'node:path';

/**
 * `mkdir -p`, one level at a time. Node's recursive mkdir spins forever (at 100% CPU, never
 * settling) on a path under /proc, where mkdir answers ENOENT for a parent that stat says exists;
 * one level at a time, that is an error at once.
 */
export async function makeDirectories(directory: string, mode?: number): Promise<void> {
	const missing: string[] = [];
	for (let current = path.resolve(directory); ; current = path.dirname(current)) {
		const info = await stat(current).catch((error: NodeJS.ErrnoException) => {
			if (error.code === 'ENOENT') return undefined;
			throw error;
		});
		if (info) {
			if (!info.isDirectory()) throw Object.assign(new Error(`ENOTDIR: ${current} is not a directory`), {code: 'ENOTDIR'});
			break;
		}
		missing.unshift(current);
		if (path.dirname(current) === current) break;
	}
	for (const level of missing) {
		await mkdir(level, mode === undefined ? {} : {mode}).catch((error: NodeJS.ErrnoException) => {
			if (error.code !== 'EEXIST') throw error;
		});
	}
}
