import {AmpError} from '../errors.js';
import type {RemoteSession} from '../deploy/agent-client.js';
import {shellQuote} from '../deploy/agent-client.js';
import type {DeployHostConfig, DeploymentConfig} from '../deploy/config.js';

/** What every fleet command knows of the instance's hosts: deployment.yaml, and how to reach a host. */
export interface Fleet {
	instanceDirectory: string;
	/** amprun.yaml's instance_name: its run files live in `<root>/var/<name>/` on each host. */
	instanceName: string;
	config: DeploymentConfig;
	hosts: FleetHost[];
	/** Hosts worked on at once. */
	parallel: number;
	connect: (host: DeployHostConfig) => Promise<RemoteSession>;
}

export interface FleetHost {
	config: DeployHostConfig;
	/** How output names the host: its address, or the whole `user@host:port` where two share one. */
	label: string;
}

/** The hosts of deployment.yaml, or those of `only` (as deployment.yaml names them); an unknown one is a usage error. */
export function chooseHosts(config: DeploymentConfig, only: readonly string[]): FleetHost[] {
	const unknown = only.filter(target => !config.hosts.some(host => host.target === target));
	if (unknown.length > 0) throw new AmpError(`--host ${unknown.join(', ')}: not in ${config.file} (its hosts: ${config.hosts.map(host => host.target).join(', ') || 'none'})`, 2);
	const chosen = only.length > 0 ? config.hosts.filter(host => only.includes(host.target)) : config.hosts;
	if (chosen.length === 0) throw new AmpError(`${config.file} lists no hosts: add them under hosts:`);
	const shared = (name: string): boolean => config.hosts.filter(host => host.host === name).length > 1;
	return chosen.map(host => ({config: host, label: shared(host.host) ? host.target : host.host}));
}

/** Where the running release lives on a host (the layout `deploy` makes). */
export function releasePaths(host: DeployHostConfig): {dist: string; ampzero: string; instance: string; history: string} {
	const dist = `${host.root}/dist`;
	return {dist, ampzero: `${dist}/ampify/bin/ampzero`, instance: `${dist}/instance`, history: `${dist}/history.jsonl`};
}

/** `node <release>/bin/ampzero ARGS…` on the host, as a shell command; fails clearly where nothing was deployed. */
export function shippedAmpzero(host: DeployHostConfig, args: readonly string[]): string {
	const {ampzero, instance} = releasePaths(host);
	const missing = `echo ${shellQuote(`ampzero: no release runs on this host (${instance} is missing): deploy first`)} >&2; exit 1`;
	return `test -e ${shellQuote(instance)} || { ${missing}; }; exec node ${shellQuote(ampzero)} ${args.map(shellQuote).join(' ')}`;
}

/** Runs `work` for every host, at most `limit` at once. */
export async function forEachHost<T>(hosts: readonly T[], limit: number, work: (host: T) => Promise<void>): Promise<void> {
	const queue = [...hosts];
	const workers = Array.from({length: Math.max(1, Math.min(limit, queue.length))}, async () => {
		for (let host = queue.shift(); host !== undefined; host = queue.shift()) await work(host);
	});
	await Promise.all(workers);
}
