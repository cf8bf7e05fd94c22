import {readFileSync} from 'node:fs';
import {networkInterfaces} from 'node:os';
import path from 'node:path';
import {AmpError, UsageError} from '../errors.js';
import {authorityFiles, hostCertificateFiles} from './tls-files.js';
import {loadInstanceConfig, type InstanceConfig} from './amprun.js';
import {urlHost, type TopologyHost} from './hosts.js';

/** Names this host's entry of `hosts:` for `ampzero run` and the daemons it starts (set by `run --as`). */
export const hostEnvironmentVariable = 'AMPZERO_HOST';

export type {Placement} from './instance-config.js';

export type PlacedConfig = InstanceConfig;

/** The local addresses of this machine (of this network namespace). */
function localAddresses(): Set<string> {
	return new Set(Object.values(networkInterfaces()).flatMap(entries => (entries ?? []).map(entry => entry.address)));
}

/**
 * Which entry of `hosts:` this machine is: the one named (by `--as` or AMPZERO_HOST), else the one
 * whose address this machine has. An error names the choices when neither settles it.
 */
export function findThisHost(hosts: readonly TopologyHost[], requested: string | undefined, addresses: Set<string> = localAddresses()): TopologyHost {
	const list = hosts.map(host => `${host.name} (${host.address})`).join(', ');
	if (requested !== undefined && requested !== '') {
		const named = hosts.find(host => host.name === requested);
		if (!named) throw new UsageError(`--as ${requested}: amprun.yaml hosts: has no host of that name (hosts: ${list})`);
		return named;
	}
	const matching = hosts.filter(host => addresses.has(host.address));
	if (matching.length === 1) return matching[0]!;
	if (matching.length === 0) throw new UsageError(`this machine has none of the addresses of amprun.yaml hosts: (${list}); say which host it is with --as NAME`);
	throw new UsageError(`this machine has the addresses of several hosts of amprun.yaml (${matching.map(host => host.name).join(', ')}); say which one it is with --as NAME`);
}

/**
 * The config as one host of the topology runs it: redis and ampnode stay on loopback (bind_address),
 * and the shared daemons are reached at the addresses of the hosts that run them, over TLS with the
 * instance's CA. A single-machine instance is returned as it is.
 */
export function placeConfig(config: InstanceConfig, instanceDirectory: string, requested = process.env[hostEnvironmentVariable]): PlacedConfig {
	if (config.hosts.length === 0) return config;
	const host = findThisHost(config.hosts, requested);
	const at = (role: 'logstore' | 'zerodata'): TopologyHost => {
		const holder = config.hosts.find(entry => entry[role]);
		if (!holder) throw new AmpError(`amprun.yaml hosts: names no ${role} host`);
		return holder;
	};
	const members = [0, 1, 2].map(member => config.hosts.find(entry => entry.keyspace === member)!);
	const own = hostCertificateFiles(host.name);
	return {
		...config,
		// This host's own member first: the nearest, and the one that answers while others are away.
		keyspaceEndpoints: [...members.filter(member => member === host), ...members.filter(member => member !== host)].map(
			member => `https://${urlHost(member.address)}:${config.ports.keyspaceClient}`,
		),
		logstoreUrl: `https://${urlHost(at('logstore').address)}:${config.ports.logstore}`,
		zerodataUrl: `https://${urlHost(at('zerodata').address)}:${config.ports.zerodata}`,
		placement: {
			host,
			hosts: config.hosts,
			tls: {
				ca: path.join(instanceDirectory, authorityFiles.cert),
				cert: path.join(instanceDirectory, own.cert),
				key: path.join(instanceDirectory, own.key),
			},
		},
	};
}

/** amprun.yaml as this host runs it (see placeConfig). */
export async function loadRunConfig(instanceDirectory: string): Promise<PlacedConfig> {
	return placeConfig(await loadInstanceConfig(instanceDirectory), instanceDirectory);
}

/**
 * Where logstore or zerodata listens: on a single machine bind_address over plain HTTP; on a host of
 * `hosts:` that host's address, over HTTPS with the host's certificate (other hosts reach it there).
 */
export function sharedDaemonListen(config: InstanceConfig): {host: string; tls?: {cert: string; key: string}} {
	if (!config.placement) return {host: config.bindAddress};
	return {
		host: config.placement.host.address,
		tls: {cert: readFileSync(config.placement.tls.cert, 'utf8'), key: readFileSync(config.placement.tls.key, 'utf8')},
	};
}

/** What a client of the shared daemons trusts and shows: the instance's CA, and this host's certificate. */
export function clientTls(config: InstanceConfig): {ca: string; cert: string; key: string} | undefined {
	if (!config.placement) return undefined;
	const {tls} = config.placement;
	return {ca: readFileSync(tls.ca, 'utf8'), cert: readFileSync(tls.cert, 'utf8'), key: readFileSync(tls.key, 'utf8')};
}
