import {mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {allPids, bootTimeMs, clockTicksPerSecond, commandLine, environmentHas, groupMembers, mountNamespace, processStat, signalGroup} from '../system/proc.js';

/**
 * `pids/<daemon>.pid`: the pid on the first line (as every tool expects), then the process's start
 * time and command, so a later supervisor can tell our process from a reused pid, then how many
 * times the supervisor had restarted that daemon (a supervisor that adopts it goes on counting).
 */
export interface PidRecord {
	daemon: string;
	pid: number;
	startTime?: string;
	argv: string[];
	restarts?: number;
	/** When the supervisor saw it start (epoch ms): the uptime an adopting supervisor shows. */
	startedAt?: number;
	/** The spec's fingerprint when it was spawned (daemons that keep state). */
	fingerprint?: string;
}

export function pidFile(pidsDirectory: string, daemon: string): string {
	return path.join(pidsDirectory, `${daemon}.pid`);
}

export function writePidFile(pidsDirectory: string, daemon: string, pid: number, argv: string[], run: {restarts: number; startedAt: number; fingerprint?: string} = {restarts: 0, startedAt: Date.now()}): void {
	mkdirSync(pidsDirectory, {recursive: true});
	const startTime = processStat(pid)?.startTime ?? '';
	writeFileSync(pidFile(pidsDirectory, daemon), `${pid}\n${startTime}\n${JSON.stringify(argv)}\n${JSON.stringify(run)}\n`);
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
		let text: string;
		try {
			text = readFileSync(path.join(pidsDirectory, entry), 'utf8');
		} catch {
			continue;
		}
		const [pidLine, startLine, argvLine, extraLine] = text.split('\n');
		const pid = Number(pidLine);
		if (!Number.isInteger(pid) || pid <= 1) continue;
		let argv: string[] = [];
		try {
			argv = argvLine ? (JSON.parse(argvLine) as string[]) : [];
		} catch {
			argv = [];
		}
		const run: {restarts?: number; startedAt?: number; fingerprint?: string} = {};
		try {
			const extra = extraLine ? (JSON.parse(extraLine) as {restarts?: unknown; startedAt?: unknown; fingerprint?: unknown}) : {};
			if (Number.isInteger(extra.restarts)) run.restarts = extra.restarts as number;
			if (Number.isInteger(extra.startedAt)) run.startedAt = extra.startedAt as number;
			if (typeof extra.fingerprint === 'string') run.fingerprint = extra.fingerprint;
		} catch {
			// A pid file from before these were kept: the pid, start time and command still identify the process.
		}
		records.push({daemon: entry.slice(0, -'.pid'.length), pid, ...(startLine ? {startTime: startLine} : {}), argv, ...run});
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
 * A deployed release lives in `dist/ampify-<hash>` and `dist/instance-<hash>`, run through the links
 * `dist/ampify` and `dist/instance`: a command line is compared with those names left out, and the
 * fingerprint says whether what the daemon runs changed.
 */
export function withoutReleaseNames(text: string): string {
	return text.replace(/\/(ampify|instance)-[0-9a-f]{10}(?=\/|$|[^0-9a-zA-Z])/g, '/$1');
}

/** How a running daemon compares with the spec a new supervisor would run it with. */
export type AdoptionCheck = 'adoptable' | 'changed' | 'not-running';

/**
 * May a new supervisor take over the process this record names, as the daemon `argv` describes?
 * Only when it is still that very process: alive, leading its own group, with the start time
 * recorded when it was spawned (a reused pid has another), and with the command line it was
 * spawned with; programs that rewrite their command line (nginx, redis) must still show their
 * program's name in it. And the daemon must be run the same way now: the same command line (release
 * directory names aside) and, for a daemon that keeps state, the same fingerprint (a changed config
 * starts it anew, unless `evenIfChanged`).
 */
export function adoptionCheck(record: PidRecord, argv: readonly string[], fingerprint?: string, evenIfChanged = false): AdoptionCheck {
	if (record.startTime === undefined || record.argv.length === 0) return 'not-running';
	const stat = processStat(record.pid);
	if (!stat || stat.state === 'Z' || stat.pgid !== record.pid || stat.startTime !== record.startTime) return 'not-running';
	const running = commandLine(record.pid);
	if (!running || running.length === 0) return 'not-running';
	if (JSON.stringify(running) !== JSON.stringify(record.argv) && !running.join(' ').includes(path.basename(record.argv[0]!))) return 'not-running';
	if (withoutReleaseNames(JSON.stringify(record.argv)) !== withoutReleaseNames(JSON.stringify(argv))) return 'changed';
	if (fingerprint !== undefined && record.fingerprint !== fingerprint && !evenIfChanged) return 'changed';
	return 'adoptable';
}

export function adoptable(record: PidRecord, argv: readonly string[], fingerprint?: string, evenIfChanged = false): boolean {
	return adoptionCheck(record, argv, fingerprint, evenIfChanged) === 'adoptable';
}

/** When a process started, in epoch milliseconds (from its start time in clock ticks since boot). */
export function processStartedAt(pid: number): number | undefined {
	const ticks = Number(processStat(pid)?.startTime);
	const boot = bootTimeMs();
	if (!Number.isFinite(ticks) || boot === undefined) return undefined;
	return boot + Math.round((ticks * 1000) / clockTicksPerSecond);
}

/** The daemons of `specs` whose pid files name processes a new supervisor may adopt, by daemon name. */
type AdoptionSpec = {name: string; command: string; args: string[]; fingerprint?: string; adoptEvenIfChanged?: boolean};

export function adoptableDaemons(pidsDirectory: string, specs: readonly AdoptionSpec[]): Map<string, PidRecord> {
	const records = new Map(readPidFiles(pidsDirectory).map(record => [record.daemon, record]));
	const found = new Map<string, PidRecord>();
	for (const spec of specs) {
		const record = records.get(spec.name);
		if (record && adoptable(record, [spec.command, ...spec.args], spec.fingerprint, spec.adoptEvenIfChanged)) found.set(spec.name, record);
	}
	return found;
}

/** The process groups of `adoptableDaemons`: what ending a killed supervisor's leftovers must spare. */
export function adoptableGroups(pidsDirectory: string, specs: readonly AdoptionSpec[]): Set<number> {
	return new Set([...adoptableDaemons(pidsDirectory, specs).values()].map(record => record.pid));
}

/**
 * Every daemon process carries this in its environment, set to its run's pids directory: a daemon
 * whose supervisor was killed between spawning it and writing its pid file is still found.
 */
export const runMarkerVariable = 'AMPZERO_RUN_PIDS';

/**
 * The live processes (not zombies) spawned for this run: its marker in their environment, in this
 * process's mount namespace. `worthChecking` rules a pid out first, when it costs less than the marker.
 */
export function processesOfRun(pidsDirectory: string, worthChecking: (pid: number) => boolean = () => true): Array<{pid: number; pgid: number}> {
	const found: Array<{pid: number; pgid: number}> = [];
	const ownFiles = mountNamespace(process.pid);
	for (const pid of allPids()) {
		// A process in another mount namespace (a container, a test host) sees another file system: the same
		// path there is not this run's pid directory. Asked first, as it is the cheapest question (a readlink,
		// where the command line and environment are reads of the process's memory): on a machine of
		// containers it rules out most processes before anything else is read.
		if (pid === process.pid || mountNamespace(pid) !== ownFiles) continue;
		if (!worthChecking(pid) || !environmentHas(pid, runMarkerVariable, pidsDirectory)) continue;
		const stat = processStat(pid);
		if (stat && stat.state !== 'Z') found.push({pid, pgid: stat.pgid});
	}
	return found;
}

/** Process groups of this run that no pid file names (found by the marker in their environment). */
function unrecordedGroups(pidsDirectory: string, recorded: Set<number>): PidRecord[] {
	const groups = new Set(processesOfRun(pidsDirectory).map(({pgid}) => pgid).filter(pgid => pgid > 1 && pgid !== process.pid && !recorded.has(pgid)));
	return [...groups].map(pgid => ({daemon: `unrecorded group ${pgid}`, pid: pgid, argv: []}));
}

/**
 * Ends every daemon process a crashed supervisor left behind (SIGTERM, then SIGKILL after
 * `graceMs`) and removes their pid files, except the groups in `spare` (daemons the next
 * supervisor adopts). Returns the daemons that were ended.
 */
export async function endLeftovers(pidsDirectory: string, graceMs = 2000, spare: ReadonlySet<number> = new Set()): Promise<PidRecord[]> {
	const records = readPidFiles(pidsDirectory).filter(record => !spare.has(record.pid));
	const recorded = records.filter(leftoverGroup);
	const leftovers = [...recorded, ...unrecordedGroups(pidsDirectory, new Set([...recorded.map(record => record.pid), ...spare]))];
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
