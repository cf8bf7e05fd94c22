import {childrenOf, processUsage} from '../system/proc.js';

/** What a daemon's processes (it and what it started: nginx's workers, a shell's children) use now. */
export interface DaemonUsage {
	/** Of one core, over the time since the previous sample; undefined on the first. */
	cpuPercent?: number;
	rssBytes: number;
}

/**
 * Samples CPU and memory of daemons (each with its descendants) from /proc, as `pm2 monit` and process-compose show
 * them: CPU% is the CPU time used since the previous sample over the time between them.
 */
export class UsageSampler {
	private previous = new Map<number, {cpuSeconds: number; at: number}>();

	constructor(private readonly now: () => number = () => performance.now()) {}

	/** Usage of each daemon (by its pid) and its descendants, by the name given for it. */
	sample(groups: ReadonlyMap<string, number>): Map<string, DaemonUsage> {
		const at = this.now();
		const next = new Map<number, {cpuSeconds: number; at: number}>();
		const usage = new Map<string, DaemonUsage>();
		for (const [name, pgid] of groups) {
			let cpuSeconds = 0;
			let rssBytes = 0;
			for (const pid of withDescendants(pgid)) {
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

/**
 * A daemon's process and the processes it started (nginx's workers, a shell's children), read
 * from /proc/PID/task/PID/children: a few small reads, not a walk over every process.
 */
function withDescendants(pid: number): number[] {
	const all: number[] = [];
	const queue = [pid];
	while (queue.length > 0 && all.length < 256) {
		const next = queue.shift()!;
		all.push(next);
		queue.push(...childrenOf(next));
	}
	return all;
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
