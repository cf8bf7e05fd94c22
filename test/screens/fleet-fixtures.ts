import type {FleetEvent} from '../../services/fleet/fleet-watch.js';
import type {SupervisorCommand} from '../../services/supervisor/events.js';
import type {FleetSource} from '../../screens/fleet/Fleet.js';
import {daemonsIn, logOf, runInfo} from './dashboard-fixtures.js';

export const hostLabels = (count: number): string[] => Array.from({length: count}, (_, index) => `10.200.${Math.floor(index / 250)}.${(index % 250) + 2}`);
export const releaseOf = 'ampify-3f9a1c2b7d instance-8e01d4c6a9';

/** What a host that just connected sends: its link with the release, then its supervisor's snapshot. */
export function hostUp(host: string, index = 0, release = releaseOf): FleetEvent[] {
	const daemons = daemonsIn('ready').map(daemon => ({...daemon, ...(daemon.pid === undefined ? {} : {pid: daemon.pid + index * 100})}));
	return [
		{type: 'host-link', host, link: 'connected', release},
		{
			type: 'supervisor',
			host,
			event: {
				type: 'snapshot',
				info: {...runInfo, remote: [{name: 'keyspace-1', url: 'https://10.200.0.2:2379', host: '10.200.0.2', port: 2379, reachable: true}]},
				daemons,
				logs: {keyspace: logOf(`keyspace@${host}`, 30), ampnode: logOf(`ampnode@${host}`, 30)},
			},
		},
		{type: 'supervisor', host, event: {type: 'run-ready', elapsedMs: 2140}},
		{type: 'usage', host, usage: Object.fromEntries(daemons.map((daemon, n) => [daemon.name, {cpuPercent: n * 1.5, rssBytes: (n + 2) * 8 * 1024 * 1024}]))},
	];
}

/** The fleet's events held in memory: the test pushes events and reads the commands sent. */
export class MemoryFleet implements FleetSource {
	readonly sent: Array<{host: string; command: SupervisorCommand}> = [];
	closed = false;
	connected = new Set<string>();
	private queue: FleetEvent[] = [];
	private wake: (() => void) | undefined;

	push(...events: FleetEvent[]): void {
		for (const event of events) {
			if (event.type === 'host-link') {
				if (event.link === 'connected') this.connected.add(event.host);
				else this.connected.delete(event.host);
			}
		}
		this.queue.push(...events);
		this.wake?.();
	}

	async *events(): AsyncIterable<FleetEvent> {
		while (true) {
			const event = this.queue.shift();
			if (event) {
				yield event;
				continue;
			}
			if (this.closed) return;
			await new Promise<void>(resolve => {
				this.wake = resolve;
			});
			this.wake = undefined;
		}
	}

	send(host: string, command: SupervisorCommand): boolean {
		if (!this.connected.has(host)) return false;
		this.sent.push({host, command});
		return true;
	}

	close(): void {
		this.closed = true;
		this.wake?.();
	}
}
