import {mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {allPids, environmentHas, groupMembers, mountNamespace, processStat, signalGroup} from './proc.js';

/**
 * `pids/<daemon>.pid`: the pid on the first line (as every tool expects), then the process's start
 * time and command, so a later supervisor can tell our process from a reused pid.
 */
export interface PidRecord {
	daemon: string;
	pid: number;
	startTime?: string;
	argv: string[];
}

export function pidFile(pidsDirectory: string, daemon: string): string {
	return path.join(pidsDirectory, `${daemon}.pid`);
}

export function writePidFile(pidsDirectory: string, daemon: string, pid: number, argv: string[]): void {
	mkdirSync(pidsDirectory, {recursive: true});
	const startTime = processStat(pid)?.startTime ?? '';
	writeFileSync(pidFile(pidsDirectory, daemon), `${pid}\n${startTime}\n${JSON.stringify(argv)}\n`);
}

export function removePidFile(pidsDirectory: string, daemon: string): void {
	rmSync(pidFile(pidsDirectory, daemon), {force: true});
}

export function readPidFiles(pidsDirectory: string): PidRecord[] {
	let entries: string[];
	try {
		entries = readdirSync(pidsDirectory).filter(entry => entry.endsWith('.pid'));
	} catch {
		return [];
	}
	const records: PidRecord[] = [];
	for (const entry of entries) {
		const [pidLine, startLine, argvLine] = readFileSync(path.join(pidsDirectory, entry), 'utf8').split('\n');
		const pid = Number(pidLine);
		if (!Number.isInteger(pid) || pid <= 1) continue;
		let argv: string[] = [];
		try {
			argv = argvLine ? (JSON.parse(argvLine) as string[]) : [];
		} catch {
			argv = [];
		}
		records.push({daemon: entry.slice(0, -'.pid'.length), pid, ...(startLine ? {startTime: startLine} : {}), argv});
	}
	return records;
}

/**
 * Is the group a pid file names still ours? The leader alive with the recorded start time, or the
 * leader gone but members left in its group (a pid is never reused while it names a live group).
 */
export function leftoverGroup(record: PidRecord): boolean {
	const leader = processStat(record.pid);
	if (leader && leader.state !== 'Z') {
		return leader.pgid === record.pid && record.startTime !== undefined && leader.startTime === record.startTime;
	}
	return groupMembers(record.pid).length > 0;
}

/**
 * Every daemon process carries this in its environment, set to its run's pids directory: a daemon
 * whose supervisor was killed between spawning it and writing its pid file is still found.
 */
export const runMarkerVariable = 'AMPZERO_RUN_PIDS';

/** Process groups of this run that no pid file names (found by the marker in their environment). */
function unrecordedGroups(pidsDirectory: string, recorded: Set<number>): PidRecord[] {
	const groups = new Set<number>();
	const ownFiles = mountNamespace(process.pid);
	for (const pid of allPids()) {
		if (pid === process.pid || !environmentHas(pid, runMarkerVariable, pidsDirectory)) continue;
		// A process in another mount namespace (a container, a test host) sees another file system:
		// the same path there is not this run's pid directory.
		if (mountNamespace(pid) !== ownFiles) continue;
		const stat = processStat(pid);
		if (stat && stat.state !== 'Z' && stat.pgid > 1 && stat.pgid !== process.pid && !recorded.has(stat.pgid)) groups.add(stat.pgid);
	}
	return [...groups].map(pgid => ({daemon: `unrecorded group ${pgid}`, pid: pgid, argv: []}));
}

/**
 * Ends every daemon process a crashed supervisor left behind (SIGTERM, then SIGKILL after
 * `graceMs`) and removes the pid files. Returns the daemons that were ended.
 */
export async function endLeftovers(pidsDirectory: string, graceMs = 2000): Promise<PidRecord[]> {
	const records = readPidFiles(pidsDirectory);
	const recorded = records.filter(leftoverGroup);
	const leftovers = [...recorded, ...unrecordedGroups(pidsDirectory, new Set(recorded.map(record => record.pid)))];
	for (const record of leftovers) signalGroup(record.pid, 'SIGTERM');
	const deadline = Date.now() + graceMs;
	while (leftovers.some(record => groupMembers(record.pid).length > 0) && Date.now() < deadline) {
		await new Promise(resolve => setTimeout(resolve, 20));
	}
	for (const record of leftovers) signalGroup(record.pid, 'SIGKILL');
	const killDeadline = Date.now() + 2000;
	while (leftovers.some(record => groupMembers(record.pid).length > 0) && Date.now() < killDeadline) {
		await new Promise(resolve => setTimeout(resolve, 20));
	}
	for (const record of records) removePidFile(pidsDirectory, record.daemon);
	return leftovers;
}
