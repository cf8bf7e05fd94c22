import type {InstanceConfig} from '../config/amprun.js';
import type {RemoteTarget} from '../supervisor/events.js';

function target(name: string, url: string): RemoteTarget {
	const parsed = new URL(url);
	return {name, url: parsed.origin, host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port) || (parsed.protocol === 'https:' ? 443 : 80)};
}

/**
 * What this run relies on but does not start: on a host of `hosts:`, the keyspace members of other
 * hosts and zerodata and logstore when another host runs them; with `--server` on a single-machine
 * config, the keyspace endpoints, zerodata and logstore of amprun.yaml.
 */
export function remoteTargets(config: InstanceConfig, server: boolean): RemoteTarget[] {
	const placed = config.placement?.host;
	if (!placed) {
		if (!server) return [];
		return [
			...config.keyspaceEndpoints.map((url, index) => target(config.keyspaceEndpoints.length === 1 ? 'keyspace' : `keyspace-${index}`, url)),
			target('zerodata', config.zerodataUrl),
			target('logstore', config.logstoreUrl),
		];
	}
	const hosts = config.placement!.hosts;
	const targets: RemoteTarget[] = [];
	for (const member of [0, 1, 2] as const) {
		const holder = hosts.find(host => host.keyspace === member);
		if (holder && holder !== placed) targets.push(target(`keyspace-${member}`, config.keyspaceEndpoints.find(url => new URL(url).hostname.replace(/^\[|\]$/g, '') === holder.address)!));
	}
	const runsHere = (role: 'logstore' | 'zerodata'): boolean => placed[role] && !server && !placed.server;
	if (!runsHere('zerodata')) targets.push(target('zerodata', config.zerodataUrl));
	if (!runsHere('logstore')) targets.push(target('logstore', config.logstoreUrl));
	return targets;
}
