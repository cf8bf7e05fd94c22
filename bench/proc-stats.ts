import {readdirSync, readFileSync} from 'node:fs';

const ticksPerSecond = 100;

interface ProcStat {
	pid: number;
	ppid: number;
	/** utime + stime of the process itself, in seconds. */
	cpu: number;
	/** cutime + cstime: children it has waited for, in seconds. */
	childrenCpu: number;
}

/** /proc/<pid>/stat, or undefined when the process is gone. */
export function procStat(pid: number): ProcStat | undefined {
	let text: string;
	try {
		text = readFileSync(`/proc/${pid}/stat`, 'utf8');
	} catch {
		return undefined;
	}
	// The command name may hold spaces and parentheses: fields start after the last ')'.
	const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
	const field = (index: number): number => Number(fields[index - 3]);
	return {pid, ppid: field(4), cpu: (field(14) + field(15)) / ticksPerSecond, childrenCpu: (field(16) + field(17)) / ticksPerSecond};
}

/** Peak resident set (VmHWM) in MB. */
export function peakRssMb(pid: number): number {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
	return kb / 1024;
}

export function commandLine(pid: number): string {
	try {
		return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
	} catch {
		return '';
	}
}

/** Every live descendant of `pid`. */
export function descendants(pid: number): number[] {
	const children = new Map<number, number[]>();
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		const stat = procStat(Number(entry));
		if (!stat) continue;
		const siblings = children.get(stat.ppid) ?? [];
		siblings.push(stat.pid);
		children.set(stat.ppid, siblings);
	}
	const found: number[] = [];
	const walk = (parent: number): void => {
		for (const child of children.get(parent) ?? []) {
			found.push(child);
			walk(child);
		}
	};
	walk(pid);
	return found;
}

/**
 * CPU seconds of a process, counting its reaped children, plus those of its live descendants
 * for which `include` says yes.
 */
export function treeCpu(pid: number, include: (pid: number) => boolean): number {
	const own = procStat(pid);
	if (!own) return Number.NaN;
	let total = own.cpu + own.childrenCpu;
	for (const child of descendants(pid)) {
		if (!include(child)) continue;
		const stat = procStat(child);
		if (stat) total += stat.cpu;
	}
	return total;
}
