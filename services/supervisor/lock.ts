import {linkSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import type {RunPaths} from '../config/paths.js';
import {connects} from './connects.js';
import {processStat} from '../system/proc.js';

type SupervisorFiles = Pick<RunPaths, 'supervisorLock' | 'supervisorSocket' | 'supervisorPid'>;

/**
 * The lock file holds the supervisor's pid and its start time: a pid reused by another process
 * after a crash has another start time, so a stale lock is told from a live one.
 */
function readLock(files: SupervisorFiles): {pid: number; startTime: string} | undefined {
	try {
		const [pidLine, startTime] = readFileSync(files.supervisorLock, 'utf8').split('\n');
		const pid = Number(pidLine);
		return Number.isInteger(pid) && pid > 1 && startTime ? {pid, startTime} : undefined;
	} catch {
		return undefined;
	}
}

function readLockPid(files: SupervisorFiles): number | undefined {
	return readLock(files)?.pid;
}

function lockHolderAlive(lock: {pid: number; startTime: string} | undefined): boolean {
	if (!lock) return false;
	const stat = processStat(lock.pid);
	return stat !== undefined && stat.state !== 'Z' && stat.startTime === lock.startTime;
}

export function socketAnswers(socketPath: string, timeoutMs = 1000): Promise<boolean> {
	return connects({path: socketPath}, timeoutMs);
}

function removeSupervisorFiles(files: SupervisorFiles): void {
	for (const file of [files.supervisorSocket, files.supervisorPid, files.supervisorLock]) rmSync(file, {force: true});
}

/**
 * The supervisor of an instance, if one runs: the lock names a live supervisor process. A lock or
 * socket left by a supervisor that died (kill -9) is removed here.
 */
export function findSupervisor(files: SupervisorFiles): {pid: number} | undefined {
	const lock = readLock(files);
	if (lock && lockHolderAlive(lock)) return {pid: lock.pid};
	// Re-read before removing: another `run` may have just taken the lock (it writes pid and start time at once).
	const again = readLock(files);
	if (again && lockHolderAlive(again)) return {pid: again.pid};
	if (again?.pid === lock?.pid) removeSupervisorFiles(files);
	return undefined;
}

/** Takes the one-supervisor-per-instance lock for this process; false when a live supervisor holds it. */
export function acquireSupervisorLock(files: SupervisorFiles): boolean {
	for (let attempt = 0; attempt < 2; attempt++) {
		try {
			// Written whole under another name, then linked into place: link fails if the lock exists, and a reader never sees half a lock.
			const draft = `${files.supervisorLock}.${process.pid}`;
			writeFileSync(draft, `${process.pid}\n${processStat(process.pid)?.startTime ?? ''}\n`);
			try {
				linkSync(draft, files.supervisorLock);
			} finally {
				rmSync(draft, {force: true});
			}
			return true;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
			if (findSupervisor(files)) return false;
		}
	}
	return false;
}

/** Releases the lock if this process holds it. */
export function releaseSupervisorLock(files: SupervisorFiles): void {
	if (readLockPid(files) === process.pid) removeSupervisorFiles(files);
}
