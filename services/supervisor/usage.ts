import {allPids, processStat, processUsage} from './proc.js';

/** What a daemon's processes (its whole process group: nginx's workers, a shell's children) use now. */
export interface DaemonUsage {
	/** Of one core, over the time since the previous sample; undefined on the first. */
	cpuPercent?: number;
	rssBytes: number;
}

/**
 * Samples CPU and memory of process groups from /proc, as `pm2 monit` and process-compose show
 * them: CPU% is the CPU time used since the previous sample over the time between them.
 */
export class UsageSampler {
	private previous = new Map<number, {cpuSeconds: number; at: number}>();

	constructor(private readonly now: () => number = () => performance.now()) {}

	/** Usage of each group leader's group, by the name given for it. */
	sample(groups: ReadonlyMap<string, number>): Map<string, DaemonUsage> {
		const at = this.now();
		const next = new Map<number, {cpuSeconds: number; at: number}>();
		const usage = new Map<string, DaemonUsage>();
		const members = membersOf(new Set(groups.values()));
		for (const [name, pgid] of groups) {
			let cpuSeconds = 0;
			let rssBytes = 0;
			for (const pid of members.get(pgid) ?? []) {
				const one = processUsage(pid);
				if (!one) continue;
				cpuSeconds += one.cpuSeconds;
				rssBytes += one.rssBytes;
			}
			next.set(pgid, {cpuSeconds, at});
			const before = this.previous.get(pgid);
			const seconds = before ? (at - before.at) / 1000 : 0;
			const cpuPercent = before && seconds > 0 ? Math.max(0, ((cpuSeconds - before.cpuSeconds) / seconds) * 100) : undefined;
			usage.set(name, cpuPercent === undefined ? {rssBytes} : {cpuPercent, rssBytes});
		}
		this.previous = next;
		return usage;
	}
}

/** The live processes of each of these groups, from one walk over /proc. */
function membersOf(pgids: ReadonlySet<number>): Map<number, number[]> {
	const members = new Map<number, number[]>();
	for (const pid of allPids()) {
		const stat = processStat(pid);
		if (!stat || stat.state === 'Z' || !pgids.has(stat.pgid)) continue;
		members.set(stat.pgid, [...(members.get(stat.pgid) ?? []), pid]);
	}
	return members;
}

/** `12.5%`, `0.0%`, `-` before the first interval. */
export function formatCpu(usage: DaemonUsage | undefined): string {
	return usage?.cpuPercent === undefined ? '-' : `${usage.cpuPercent.toFixed(usage.cpuPercent >= 100 ? 0 : 1)}%`;
}

/** `812K`, `23.4M`, `1.2G`. */
export function formatMemory(usage: DaemonUsage | undefined): string {
	if (!usage) return '-';
	const kib = usage.rssBytes / 1024;
	if (kib < 1024) return `${Math.round(kib)}K`;
	const mib = kib / 1024;
	if (mib < 1024) return `${mib.toFixed(mib >= 100 ? 0 : 1)}M`;
	return `${(mib / 1024).toFixed(1)}G`;
}
