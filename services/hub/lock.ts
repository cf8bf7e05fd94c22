import {mkdir, readFile, rm, stat, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {AmpError} from '../errors.js';
import {isAlive} from '../supervisor/proc.js';

const staleAfterMs = 30_000;
const waitAtMostMs = 10_000;

/**
 * Runs `work` while holding `<directory>/lock`, a directory (mkdir is atomic) holding the
 * owner's pid. Other processes wait; a lock whose owner died is broken.
 */
export async function withDirectoryLock<T>(directory: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
	const lock = path.join(directory, 'lock');
	const deadline = Date.now() + waitAtMostMs;
	for (let attempt = 0; ; attempt++) {
		signal?.throwIfAborted();
		try {
			await mkdir(lock);
			break;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
		}
		if (await isStale(lock)) {
			await rm(lock, {recursive: true, force: true});
			continue;
		}
		if (Date.now() > deadline) {
			throw new AmpError(`the hub state in ${directory} stays locked by another process; if none is running, remove ${lock}`);
		}
		await sleep(Math.min(2 + attempt * 2, 25), undefined, {signal});
	}
	try {
		await writeFile(path.join(lock, 'owner'), String(process.pid));
		return await work();
	} finally {
		await rm(lock, {recursive: true, force: true});
	}
}

async function isStale(lock: string): Promise<boolean> {
	const owner = Number(await readFile(path.join(lock, 'owner'), 'utf8').catch(() => ''));
	if (Number.isInteger(owner) && owner > 0) return !isAlive(owner);
	// No owner written yet: the holder is between mkdir and writeFile, unless that was long ago.
	const info = await stat(lock).catch(() => undefined);
	return info !== undefined && Date.now() - info.mtimeMs > staleAfterMs;
}
