import {linkSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {distDirectory, patchesDirectory} from './host-files.js';

export interface LockRecord {
	deployId: string;
	/** Who deploys: `user@machine`. */
	who: string;
	/** The machine running the deploy and the pid of its ampzero there. */
	host: string;
	pid: number;
	/** ISO time the lock was taken. */
	when: string;
	/** `ampify-<hash> instance-<hash>` being deployed. */
	version: string;
	/** `maintenance`: held by `ampzero fleet NAME maintenance on` until `… off`, whatever becomes of its process. */
	kind?: 'deploy' | 'maintenance';
}

function lockFile(root: string): string {
	return path.join(distDirectory(root), 'lock-file');
}

export function readLock(root: string): LockRecord | undefined {
	try {
		return JSON.parse(readFileSync(lockFile(root), 'utf8')) as LockRecord;
	} catch {
		return undefined;
	}
}

/**
 * Takes the lock-file atomically: the record is written whole to a temp file, then hard-linked
 * as `lock-file`, which fails if any lock exists. With `force` an existing lock is removed first.
 */
export function takeLock(root: string, record: LockRecord, force = false): {taken: true} | {taken: false; holder?: LockRecord} {
	// The root and dist/ hold no secret (the instance release does, in a directory of its own): run as
	// root, ampzero's daemons run as an unprivileged user, who must pass through them.
	mkdirSync(distDirectory(root), {recursive: true, mode: 0o755});
	mkdirSync(patchesDirectory(root), {recursive: true, mode: 0o700});
	mkdirSync(path.join(root, 'var'), {recursive: true, mode: 0o755});
	const file = lockFile(root);
	if (force) rmSync(file, {force: true});
	const temporary = `${file}.${process.pid}.tmp`;
	writeFileSync(temporary, `${JSON.stringify(record)}\n`, {mode: 0o644});
	try {
		linkSync(temporary, file);
		return {taken: true};
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
		const holder = readLock(root);
		return holder ? {taken: false, holder} : {taken: false};
	} finally {
		rmSync(temporary, {force: true});
	}
}

/** Removes the lock if this deploy holds it. */
export function releaseLock(root: string, deployId: string): boolean {
	const holder = readLock(root);
	if (!holder || holder.deployId !== deployId) return false;
	rmSync(lockFile(root), {force: true});
	return true;
}
