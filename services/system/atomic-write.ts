import {randomBytes} from 'node:crypto';
import {closeSync, fsyncSync, fchmodSync, openSync, renameSync, rmSync, writeSync} from 'node:fs';
import {open, rename, rm} from 'node:fs/promises';
import path from 'node:path';

/** Mode of files only their owner may read: private and control keys, the hub's signing key. */
export const secretFileMode = 0o600;

/**
 * Writes `content` to `file` so that a reader sees the old file or the whole new one, never a
 * part: a temp file beside it, fsync, rename, then fsync of the directory.
 */
export async function writeFileAtomic(file: string, content: string | Uint8Array, mode = 0o644): Promise<void> {
	const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
	const handle = await open(temporary, 'wx', mode);
	try {
		await handle.writeFile(content);
		// The umask may have narrowed the mode open() asked for.
		await handle.chmod(mode);
		await handle.sync();
	} catch (error) {
		await handle.close();
		await rm(temporary, {force: true});
		throw error;
	}
	await handle.close();
	try {
		await rename(temporary, file);
	} catch (error) {
		await rm(temporary, {force: true});
		throw error;
	}
	await syncDirectory(path.dirname(file));
}

export async function syncDirectory(directory: string): Promise<void> {
	const handle = await open(directory, 'r');
	try {
		await handle.sync();
	} finally {
		await handle.close();
	}
}

/**
 * `writeFileAtomic` without yielding to the event loop: for a short critical section (the hub's,
 * under its lock) that must not wait behind every other request's callbacks between its steps.
 */
export function writeFileAtomicSync(file: string, content: string | Uint8Array, mode = 0o644): void {
	const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
	const fd = openSync(temporary, 'wx', mode);
	try {
		writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
		fchmodSync(fd, mode);
		fsyncSync(fd);
	} catch (error) {
		closeSync(fd);
		rmSync(temporary, {force: true});
		throw error;
	}
	closeSync(fd);
	try {
		renameSync(temporary, file);
	} catch (error) {
		rmSync(temporary, {force: true});
		throw error;
	}
	const directory = openSync(path.dirname(file), 'r');
	try {
		fsyncSync(directory);
	} finally {
		closeSync(directory);
	}
}
