import path from 'node:path';
import yaml from 'js-yaml';
import {AmpError} from '../errors.js';
import type {PortMap} from './ports.js';
import {parseYaml} from './yaml-text.js';
import {readRegularFile} from '../files/read-regular-file.js';
import {hostsToYaml, parseHosts} from './hosts.js';
import {localKeyspaceEndpoint} from './keyspace-tls.js';
import type {ExtraDaemon, InstanceConfig, ReadyCheck, SetupKind, ZerodataStorage} from './instance-config.js';

export type {ExtraDaemon, InitAnswers, InstanceConfig} from './instance-config.js';

const yamlKeys = {
	name: 'instance_name',
	title: 'title',
	userName: 'user_name',
	userEmail: 'user_email',
	hostName: 'host_name',
	setup: 'setup',
	hub: 'hub',
	amprunRoot: 'amprun_root_directory',
	userId: 'user_id',
	hostId: 'host_id',
	bindAddress: 'bind_address',
	redisPassword: 'redis_password',
	keyspaceEndpoints: 'keyspace_endpoints',
	logstoreUrl: 'logstore_url',
	zerodataUrl: 'zerodata_url',
} as const;

const portKeys: Record<keyof PortMap, string> = {
	frontend: 'frontend_port',
	http: 'http_port',
	keyspaceClient: 'keyspace_client_port',
	keyspacePeer: 'keyspace_peer_port',
	redisLive: 'redis_live_port',
	redisData: 'redis_data_port',
	logstore: 'logstore_port',
	zerodata: 'zerodata_port',
	ampnode: 'ampnode_ports',
};

export function toYaml(config: InstanceConfig): string {
	const document: Record<string, unknown> = {};
	for (const [field, key] of Object.entries(yamlKeys)) document[key] = config[field as keyof typeof yamlKeys];
	if (config.frontendAddress !== undefined) document['frontend_address'] = config.frontendAddress;
	for (const [field, key] of Object.entries(portKeys)) document[key] = config.ports[field as keyof PortMap];
	if (config.natLeaseSeconds !== undefined) document['nat_lease_seconds'] = config.natLeaseSeconds;
	if (config.hubRefreshSeconds !== undefined) document['hub_refresh_seconds'] = config.hubRefreshSeconds;
	if (config.zerodataStorage !== undefined && config.zerodataStorage.engine !== 'sqlite') {
		document['zerodata'] = {
			engine: config.zerodataStorage.engine,
			...(config.zerodataStorage.postgresqlUrl !== undefined ? {postgresql_url: config.zerodataStorage.postgresqlUrl} : {}),
		};
	}
	if (config.hosts.length > 0) document['hosts'] = hostsToYaml(config.hosts);
	document['daemons'] = config.daemons.map(daemon => ({
		name: daemon.name,
		command: daemon.command,
		...(daemon.ready ? {ready: daemon.ready} : {}),
		...(daemon.dependsOn.length > 0 ? {depends_on: daemon.dependsOn} : {}),
	}));
	return (
		'# amprun.yaml: every answer given to `ampzero init`, read by `ampzero run` and `ampzero deploy`.\n' +
		'# Extra daemons run beside the built-in ones, Procfile-style:\n' +
		'#   daemons:\n' +
		'#     - name: worker\n' +
		'#       command: node worker.js\n' +
		'#       ready: {http: "http://127.0.0.1:9000/health"}   # or {tcp: 9000} or {log: "listening"}\n' +
		'#       depends_on: [redis-live]\n' +
		'# One instance over several hosts (then `ampzero init NAME --clobber` writes their keyspace configs and certificates):\n' +
		'#   hosts:\n' +
		'#     - {name: alpha, address: 10.0.0.1, keyspace: 0, logstore: true, zerodata: true}\n' +
		'#     - {name: beta, address: 10.0.0.2, keyspace: 1, server: true}\n' +
		'#     - {name: gamma, address: 10.0.0.3, keyspace: 2, server: true}\n' +
		yaml.dump(document, {lineWidth: 100, noRefs: true})
	);
}

/** Parses `amprun.yaml` text; errors name `file:line` and the key at fault. */
export function fromYaml(text: string, file: string): InstanceConfig {
	const document = parseYaml(text, file);
	if (typeof document !== 'object' || document === null || Array.isArray(document)) {
		throw new AmpError(`${file}:1: expected a mapping of settings`);
	}
	const record = document as Record<string, unknown>;
	const lineOf = (key: string): number => {
		const index = text.split('\n').findIndex(line => line.startsWith(`${key}:`));
		return index === -1 ? 1 : index + 1;
	};
	const fail = (key: string, why: string): never => {
		throw new AmpError(`${file}:${lineOf(key)}: ${key} ${why}`);
	};
	const string = (key: string, fallback?: string): string => {
		const value = record[key];
		if (value === undefined && fallback !== undefined) return fallback;
		if (typeof value !== 'string' || value === '') return fail(key, 'must be a non-empty string');
		return value;
	};
	const integer = (key: string): number => {
		const value = record[key];
		if (typeof value !== 'number' || !Number.isInteger(value)) return fail(key, 'must be a whole number');
		return value;
	};
	const port = (key: string): number => {
		const value = integer(key);
		if (value < 1 || value > 65535) fail(key, `must be a port from 1 to 65535, not ${value}`);
		return value;
	};
	const ports = {} as PortMap;
	for (const [field, key] of Object.entries(portKeys) as Array<[keyof PortMap, string]>) {
		if (field === 'ampnode') {
			const value = record[key];
			if (!Array.isArray(value) || value.length === 0) fail(key, 'must be a list of one or more ports');
			ports.ampnode = (value as unknown[]).map((entry, index) => {
				if (typeof entry !== 'number' || !Number.isInteger(entry) || entry < 1 || entry > 65535) {
					return fail(key, `entry ${index + 1} must be a port from 1 to 65535`);
				}
				return entry;
			});
		} else {
			ports[field] = port(key);
		}
	}
	const setup = string('setup', 'single');
	if (setup !== 'single' && setup !== 'server') fail('setup', `must be "single" or "server", not "${setup}"`);
	const stringList = (key: string, fallback: string[]): string[] => {
		const value = record[key];
		if (value === undefined) return fallback;
		if (!Array.isArray(value) || !value.every(entry => typeof entry === 'string')) {
			return fail(key, 'must be a list of strings');
		}
		return value;
	};
	const bindAddress = string('bind_address', '127.0.0.1');
	const optionalSeconds = (key: string): number | undefined => {
		const value = record[key];
		if (value === undefined) return undefined;
		if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) return fail(key, 'must be a whole number of seconds, 1 or more');
		return value;
	};
	const natLeaseSeconds = optionalSeconds('nat_lease_seconds');
	const hubRefreshSeconds = optionalSeconds('hub_refresh_seconds');
	return {
		name: string('instance_name'),
		title: string('title'),
		userName: string('user_name'),
		userEmail: string('user_email'),
		hostName: string('host_name'),
		setup: setup as SetupKind,
		hub: string('hub'),
		amprunRoot: string('amprun_root_directory'),
		userId: integer('user_id'),
		hostId: integer('host_id'),
		bindAddress,
		...(record['frontend_address'] === undefined ? {} : {frontendAddress: string('frontend_address')}),
		redisPassword: string('redis_password'),
		ports,
		keyspaceEndpoints: ownKeyspaceOverTls(stringList('keyspace_endpoints', [localKeyspaceEndpoint(bindAddress, ports.keyspaceClient)]), bindAddress, ports.keyspaceClient),
		logstoreUrl: string('logstore_url', `http://${bindAddress}:${ports.logstore}`),
		zerodataUrl: string('zerodata_url', `http://${bindAddress}:${ports.zerodata}`),
		daemons: parseExtraDaemons(record['daemons'], fail),
		hosts: parseHosts(record['hosts'], fail),
		...(natLeaseSeconds === undefined ? {} : {natLeaseSeconds}),
		...(hubRefreshSeconds === undefined ? {} : {hubRefreshSeconds}),
		...parseZerodataStorage(record['zerodata'], fail),
	};
}

/**
 * The single member serves TLS only: an amprun.yaml written before that names it `http://BIND:PORT`,
 * which is read as its https URL (anything the user pointed elsewhere stays as written).
 */
function ownKeyspaceOverTls(endpoints: string[], bindAddress: string, clientPort: number): string[] {
	const legacy = localKeyspaceEndpoint(bindAddress, clientPort).replace(/^https:/, 'http:');
	return endpoints.map(endpoint => (endpoint === legacy ? localKeyspaceEndpoint(bindAddress, clientPort) : endpoint));
}

function parseZerodataStorage(value: unknown, fail: (key: string, why: string) => never): {zerodataStorage?: ZerodataStorage} {
	if (value === undefined || value === null) return {};
	if (typeof value !== 'object' || Array.isArray(value)) return fail('zerodata', 'must be a mapping like {engine: postgresql}');
	const settings = value as Record<string, unknown>;
	const engine = settings['engine'] ?? 'sqlite';
	if (engine !== 'sqlite' && engine !== 'postgresql') return fail('zerodata', `engine must be "sqlite" or "postgresql", not "${String(engine)}"`);
	const url = settings['postgresql_url'];
	if (url !== undefined && (typeof url !== 'string' || !/^postgres(ql)?:\/\//.test(url))) {
		return fail('zerodata', 'postgresql_url must be a postgresql:// URL');
	}
	if (url !== undefined && engine !== 'postgresql') return fail('zerodata', 'postgresql_url is set but engine is not postgresql');
	const unknown = Object.keys(settings).filter(key => key !== 'engine' && key !== 'postgresql_url');
	if (unknown.length > 0) return fail('zerodata', `has unknown setting ${unknown.join(', ')} (known: engine, postgresql_url)`);
	return {zerodataStorage: {engine, ...(typeof url === 'string' ? {postgresqlUrl: url} : {})}};
}

function parseExtraDaemons(value: unknown, fail: (key: string, why: string) => never): ExtraDaemon[] {
	if (value === undefined || value === null) return [];
	if (!Array.isArray(value)) return fail('daemons', 'must be a list');
	return value.map((entry: unknown, index): ExtraDaemon => {
		const where = `entry ${index + 1}`;
		if (typeof entry !== 'object' || entry === null) return fail('daemons', `${where} must be a mapping`);
		const daemon = entry as Record<string, unknown>;
		if (typeof daemon['name'] !== 'string' || !/^[a-z][a-z0-9-]*$/.test(daemon['name'])) {
			return fail('daemons', `${where}: name must be lower-case letters, digits and dashes`);
		}
		if (typeof daemon['command'] !== 'string' || daemon['command'] === '') {
			return fail('daemons', `${where} (${daemon['name']}): command must be a non-empty string`);
		}
		const ready = daemon['ready'] as ReadyCheck | undefined;
		if (ready !== undefined) {
			const valid =
				typeof ready === 'object' &&
				ready !== null &&
				(('http' in ready && typeof ready.http === 'string') ||
					('tcp' in ready && typeof ready.tcp === 'number') ||
					('log' in ready && typeof ready.log === 'string'));
			if (!valid) fail('daemons', `${where} (${daemon['name']}): ready must be {http: URL}, {tcp: PORT} or {log: TEXT}`);
		}
		const dependsOn = daemon['depends_on'] ?? [];
		if (!Array.isArray(dependsOn) || !dependsOn.every(name => typeof name === 'string')) {
			return fail('daemons', `${where} (${daemon['name']}): depends_on must be a list of daemon names`);
		}
		return {name: daemon['name'], command: daemon['command'], ...(ready ? {ready} : {}), dependsOn: dependsOn};
	});
}

export const configFileName = 'amprun.yaml';

export async function loadInstanceConfig(instanceDirectory: string): Promise<InstanceConfig> {
	const file = path.join(instanceDirectory, configFileName);
	let text: string;
	try {
		text = await readRegularFile(file);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
			throw new AmpError(`${instanceDirectory} is not an ampzero instance: ${configFileName} is missing (create one with \`ampzero init\`)`);
		}
		throw error;
	}
	return fromYaml(text, file);
}
