import {readFileSync} from 'node:fs';
import path from 'node:path';
import {listeningInodes} from '../../services/supervisor/port-holders.js';
import {allPids, commandLine, isRunning, processStat, signalGroup} from '../../services/system/proc.js';
import {runAmpzero, type TestInstance} from './instance.js';

/** Processes (not zombies) whose command line mentions `marker`: the instance's temp root. */
export function processesMentioning(marker: string): number[] {
	return allPids().filter(pid => pid !== process.pid && isRunning(pid) && (commandLine(pid) ?? []).some(part => part.includes(marker)));
}

/** Processes in any of these process groups (redis renames itself, so its command line does not name the instance). */
export function processesInGroups(pgids: readonly number[]): number[] {
	const groups = new Set(pgids);
	return allPids().filter(pid => {
		const stat = processStat(pid);
		return stat !== undefined && stat.state !== 'Z' && groups.has(stat.pgid);
	});
}

export function listenersOn(port: number): number {
	return listeningInodes(port)?.length ?? 0;
}

export function supervisorPid(runRoot: string): number | undefined {
	try {
		return Number(readFileSync(path.join(runRoot, 'supervisor.lock'), 'utf8').split('\n')[0]);
	} catch {
		return undefined;
	}
}

/** Last resort in afterAll: SIGKILL every group and process still tied to the test's temp root. */
function killEverything(marker: string, pgids: readonly number[]): void {
	for (const pgid of pgids) signalGroup(pgid, 'SIGKILL');
	for (const pid of processesMentioning(marker)) {
		try {
			process.kill(pid, 'SIGKILL');
		} catch {
			// Gone already.
		}
	}
}

/**
 * A test's last word on an instance it ran: `run quit`, then SIGKILL to whatever of it is left
 * (the process groups it saw, any process naming its root), then its files.
 */
export async function endInstance(instance: TestInstance | undefined, groups: Iterable<number> = []): Promise<void> {
	if (!instance) return;
	await runAmpzero(['run', instance.directory, 'quit'], {home: instance.home, env: {CI: '1'}});
	killEverything(instance.root, [...groups]);
	await instance.cleanup();
}
