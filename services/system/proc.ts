import {readdirSync, readFileSync, readlinkSync} from 'node:fs';

/** Small readers of /proc (Linux): who runs, with which command line, in which process group. */

export function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/** True while any process (zombies included) is left in the group. */
export function groupAlive(pgid: number): boolean {
	try {
		process.kill(-pgid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/** Sends a signal to a whole process group; a group that is already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
	try {
		process.kill(-pgid, signal);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
	}
}

export function commandLine(pid: number): string[] | undefined {
	try {
		const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
		return raw.split('\0').filter((part, index, parts) => part !== '' || index < parts.length - 1);
	} catch {
		return undefined;
	}
}

/** Which mount namespace a process is in (`mnt:[…]`), or undefined when it is gone or not ours to see. */
export function mountNamespace(pid: number): string | undefined {
	try {
		return readlinkSync(`/proc/${pid}/ns/mnt`);
	} catch {
		return undefined;
	}
}

export function allPids(): number[] {
	try {
		return readdirSync('/proc')
			.filter(entry => /^\d+$/.test(entry))
			.map(Number);
	} catch {
		return [];
	}
}

/** Process group id, state and start time from /proc/pid/stat (the command name may hold spaces and parentheses). */
export function processStat(pid: number): {pgid: number; state: string; startTime: string} | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		const state = fields[0];
		const pgid = Number(fields[2]);
		// Field 22 of stat: when the process started, in clock ticks since boot; a reused pid has another.
		const startTime = fields[19];
		return state === undefined || startTime === undefined || Number.isNaN(pgid) ? undefined : {pgid, state, startTime};
	} catch {
		return undefined;
	}
}

/** CPU time a process has used (user and system, in seconds) and its resident memory (bytes). */
export function processUsage(pid: number): {cpuSeconds: number; rssBytes: number} | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		// Fields 14 and 15 of stat: utime and stime in clock ticks (100 a second on Linux).
		const ticks = Number(fields[11]) + Number(fields[12]);
		const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		if (Number.isNaN(ticks)) return undefined;
		return {cpuSeconds: ticks / clockTicksPerSecond, rssBytes: rss ? Number(rss[1]) * 1024 : 0};
	} catch {
		return undefined;
	}
}

/** Clock ticks a second in /proc's times (USER_HZ: 100 on every Linux Node runs on). */
export const clockTicksPerSecond = 100;

/** When the machine booted, in epoch milliseconds (`btime` of /proc/stat). */
export function bootTimeMs(): number | undefined {
	try {
		const match = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
		return match ? Number(match[1]) * 1000 : undefined;
	} catch {
		return undefined;
	}
}

/** The processes a process started (from its main thread), from /proc/PID/task/PID/children. */
export function childrenOf(pid: number): number[] {
	try {
		const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
		return text === '' ? [] : text.split(' ').map(Number);
	} catch {
		return [];
	}
}

/** Every live process of a group (zombies excluded). */
export function groupMembers(pgid: number): number[] {
	return allPids().filter(pid => {
		const stat = processStat(pid);
		return stat !== undefined && stat.pgid === pgid && stat.state !== 'Z';
	});
}

/** Socket inodes a process holds open, from its /proc/pid/fd links. */
export function socketInodes(pid: number): Set<string> {
	const inodes = new Set<string>();
	let entries: string[];
	try {
		entries = readdirSync(`/proc/${pid}/fd`);
	} catch {
		return inodes;
	}
	for (const entry of entries) {
		try {
			const target = readlinkSync(`/proc/${pid}/fd/${entry}`);
			const match = /^socket:\[(\d+)\]$/.exec(target);
			if (match?.[1]) inodes.add(match[1]);
		} catch {
			// The fd closed while we looked.
		}
	}
	return inodes;
}

/**
 * Waits until nothing is left in the group. Zombies count as gone once the wait runs out: an
 * orphaned grandchild's zombie belongs to whoever reaps orphans, not to us.
 */
export async function waitGroupEmpty(pgid: number, timeoutMs: number, intervalMs = 10): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (groupAlive(pgid)) {
		if (Date.now() >= deadline) return groupMembers(pgid).length === 0;
		await new Promise(resolve => setTimeout(resolve, intervalMs));
	}
	return true;
}

/** Alive and not a zombie waiting for its parent to reap it. */
export function isRunning(pid: number): boolean {
	const stat = processStat(pid);
	return stat !== undefined && stat.state !== 'Z';
}

/** Whether the process's environment holds `name=value` (readable for our own processes, and by root). */
export function environmentHas(pid: number, name: string, value: string): boolean {
	try {
		return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`${name}=${value}`);
	} catch {
		return false;
	}
}
