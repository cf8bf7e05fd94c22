import {useEffect, useState} from 'react';
import type {DaemonStatus} from '../../services/supervisor/events.js';
import {UsageSampler, type DaemonUsage} from '../../services/supervisor/usage.js';

export interface UsageSource {
	sample(groups: ReadonlyMap<string, number>): Map<string, DaemonUsage>;
}

const noUsage: ReadonlyMap<string, DaemonUsage> = new Map();

/**
 * CPU and memory of each running daemon's process group, sampled every `intervalMs` while
 * `active` (the list shows them only on wide terminals). Daemons are group leaders: pid is pgid.
 */
export function useDaemonUsage(daemons: readonly DaemonStatus[], active: boolean, source?: UsageSource, intervalMs = 2000): ReadonlyMap<string, DaemonUsage> {
	const [usage, setUsage] = useState(noUsage);
	const groupsKey = daemons.map(daemon => `${daemon.name}:${daemon.pid ?? ''}`).join(' ');
	useEffect(() => {
		if (!active) return;
		const sampler = source ?? new UsageSampler();
		const groups = new Map<string, number>();
		for (const entry of groupsKey.split(' ')) {
			const [name, pid] = entry.split(':');
			if (name && pid) groups.set(name, Number(pid));
		}
		const sample = (): void => setUsage(sampler.sample(groups));
		sample();
		const timer = setInterval(sample, intervalMs);
		return () => clearInterval(timer);
	}, [active, groupsKey, source, intervalMs]);
	return active ? usage : noUsage;
}
