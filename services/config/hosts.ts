import {isIP} from 'node:net';

/**
 * One host of an instance spread over several machines (`hosts:` in amprun.yaml). Every host runs
 * redis, ampnode and nginx unless `frontend: false`; `keyspace: N` makes it member N of the
 * three-member keyspace cluster; `logstore` and `zerodata` say where those run (one host each);
 * `server: true` makes it a `--server` host, which never starts logstore or zerodata.
 */
export interface TopologyHost {
	name: string;
	address: string;
	keyspace?: 0 | 1 | 2;
	logstore: boolean;
	zerodata: boolean;
	server: boolean;
	frontend: boolean;
}

type Fail = (key: string, why: string) => never;

/** Parses and checks `hosts:`; an empty list is a single-machine instance. */
export function parseHosts(value: unknown, fail: Fail): TopologyHost[] {
	if (value === undefined || value === null) return [];
	if (!Array.isArray(value)) return fail('hosts', 'must be a list of hosts ({name, address, keyspace, logstore, zerodata, server})');
	const hosts = value.map((entry: unknown, index): TopologyHost => {
		const where = `entry ${index + 1}`;
		if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return fail('hosts', `${where} must be a mapping`);
		const host = entry as Record<string, unknown>;
		const name = host['name'];
		if (typeof name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(name)) return fail('hosts', `${where}: name must be lower-case letters, digits and dashes`);
		const address = host['address'];
		if (typeof address !== 'string' || isIP(address) === 0) return fail('hosts', `${where} (${name}): address must be an IP address, not ${JSON.stringify(address)}`);
		if (address.startsWith('127.') || address === '::1' || address === '0.0.0.0' || address === '::') {
			return fail('hosts', `${where} (${name}): address ${address} is not reachable from other hosts; give the address they reach this host at`);
		}
		const flag = (key: string, fallback: boolean): boolean => {
			const flagValue = host[key];
			if (flagValue === undefined) return fallback;
			if (typeof flagValue !== 'boolean') return fail('hosts', `${where} (${name}): ${key} must be true or false`);
			return flagValue;
		};
		const keyspace = host['keyspace'];
		if (keyspace !== undefined && keyspace !== 0 && keyspace !== 1 && keyspace !== 2) {
			return fail('hosts', `${where} (${name}): keyspace must be 0, 1 or 2 (the member of keyspace-0/1/2.conf it runs)`);
		}
		for (const key of Object.keys(host)) {
			if (!['name', 'address', 'keyspace', 'logstore', 'zerodata', 'server', 'frontend'].includes(key)) {
				fail('hosts', `${where} (${name}): unknown key ${key} (known: name, address, keyspace, logstore, zerodata, server, frontend)`);
			}
		}
		const parsed: TopologyHost = {name, address, logstore: flag('logstore', false), zerodata: flag('zerodata', false), server: flag('server', false), frontend: flag('frontend', true)};
		if (keyspace !== undefined) parsed.keyspace = keyspace;
		if (parsed.server && (parsed.logstore || parsed.zerodata)) {
			fail('hosts', `${name} is a server host (server: true), which runs only redis, ampnode and nginx (and its keyspace member); move logstore and zerodata to another host`);
		}
		return parsed;
	});
	if (hosts.length === 0) return hosts;
	const duplicate = (key: 'name' | 'address'): string | undefined => hosts.map(host => host[key]).find((entry, index, all) => all.indexOf(entry) !== index);
	const name = duplicate('name');
	if (name) fail('hosts', `two hosts are named ${name}`);
	const address = duplicate('address');
	if (address) fail('hosts', `two hosts have the address ${address}`);
	const members = hosts.flatMap(host => (host.keyspace === undefined ? [] : [host.keyspace])).sort();
	if (members.join(',') !== '0,1,2') fail('hosts', `must give keyspace members 0, 1 and 2 to three different hosts (given: ${members.join(', ') || 'none'})`);
	for (const role of ['logstore', 'zerodata'] as const) {
		const holders = hosts.filter(host => host[role]).map(host => host.name);
		if (holders.length !== 1) fail('hosts', `must name exactly one host with ${role}: true (given: ${holders.join(', ') || 'none'})`);
	}
	return hosts;
}

/** `hosts:` as amprun.yaml writes it: only what differs from the defaults. */
export function hostsToYaml(hosts: readonly TopologyHost[]): Array<Record<string, unknown>> {
	return hosts.map(host => ({
		name: host.name,
		address: host.address,
		...(host.keyspace === undefined ? {} : {keyspace: host.keyspace}),
		...(host.logstore ? {logstore: true} : {}),
		...(host.zerodata ? {zerodata: true} : {}),
		...(host.server ? {server: true} : {}),
		...(host.frontend ? {} : {frontend: false}),
	}));
}

/** A URL host part: IPv6 addresses in brackets. */
export function urlHost(address: string): string {
	return isIP(address) === 6 ? `[${address}]` : address;
}
