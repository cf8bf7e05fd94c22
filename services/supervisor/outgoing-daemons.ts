import {mkdirSync, renameSync, rmSync} from 'node:fs';
import path from 'node:path';
import {endLeftovers, leftoverGroup, pidFile, readPidFiles, type PidRecord} from './pid-files.js';

/*
 * During a deploy's hand-over the old release's ampnodes go on serving (behind the nginx that has not
 * yet reloaded) while the new supervisor starts the new release's ampnodes beside them, on ports of
 * their own. Their pid files move to `pids/outgoing/`: no supervisor adopts them, none takes them for
 * a stray or a leftover, and the deploy ends them once nginx has moved onto the new ones.
 */

export function outgoingDirectory(pidsDirectory: string): string {
	return path.join(pidsDirectory, 'outgoing');
}

/** Moves the pid files of `daemons` (those that have one) to `outgoing/`; returns the records moved. */
export function markOutgoing(pidsDirectory: string, daemons: readonly string[]): PidRecord[] {
	const records = readPidFiles(pidsDirectory).filter(record => daemons.includes(record.daemon) && leftoverGroup(record));
	if (records.length === 0) return [];
	mkdirSync(outgoingDirectory(pidsDirectory), {recursive: true});
	for (const record of records) renameSync(pidFile(pidsDirectory, record.daemon), pidFile(outgoingDirectory(pidsDirectory), record.daemon));
	return records;
}

/** The outgoing daemons still running. */
export function outgoingRecords(pidsDirectory: string): PidRecord[] {
	return readPidFiles(outgoingDirectory(pidsDirectory)).filter(leftoverGroup);
}

/** Their process groups: what ending a run's leftovers, or its strays, must spare. */
export function outgoingGroups(pidsDirectory: string): Set<number> {
	return new Set(outgoingRecords(pidsDirectory).map(record => record.pid));
}

/** The port an outgoing ampnode serves (its `--port N`). */
export function portOf(record: PidRecord): number | undefined {
	const index = record.argv.indexOf('--port');
	const port = index === -1 ? Number.NaN : Number(record.argv[index + 1]);
	return Number.isInteger(port) ? port : undefined;
}

/**
 * Ends the outgoing daemons as a killed supervisor's leftovers are ended (SIGTERM: an ampnode finishes
 * the requests it has in flight; SIGKILL to what is left after `graceMs`); returns the records it ended.
 */
export async function endOutgoing(pidsDirectory: string, graceMs: number): Promise<PidRecord[]> {
	const ended = await endLeftovers(outgoingDirectory(pidsDirectory), graceMs);
	rmSync(outgoingDirectory(pidsDirectory), {recursive: true, force: true});
	return ended;
}
