import type {SupervisorEvent} from './events.js';
import {UsageSampler, type DaemonUsage} from './usage.js';

/** What `run NAME events` adds to the supervisor's events: CPU and memory of each running daemon, by name. */
export interface UsageRecord {
	type: 'usage';
	usage: Record<string, DaemonUsage>;
}

export function usageRecord(usage: ReadonlyMap<string, DaemonUsage>): UsageRecord {
	return {type: 'usage', usage: Object.fromEntries(usage)};
}

/** Follows the daemons' pids through the supervisor's events and samples their usage from /proc. */
export class UsageWatcher {
	private readonly pids = new Map<string, number>();
	private readonly sampler: UsageSampler;

	constructor(sampler = new UsageSampler()) {
		this.sampler = sampler;
	}

	follow(event: SupervisorEvent): void {
		const daemons = event.type === 'snapshot' ? event.daemons : event.type === 'daemon-state' ? [event.daemon] : [];
		if (event.type === 'snapshot') this.pids.clear();
		for (const daemon of daemons) {
			if (daemon.pid === undefined) this.pids.delete(daemon.name);
			else this.pids.set(daemon.name, daemon.pid);
		}
	}

	running(): boolean {
		return this.pids.size > 0;
	}

	sample(): Map<string, DaemonUsage> {
		return this.sampler.sample(this.pids);
	}
}
