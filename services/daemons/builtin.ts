import path from 'node:path';
import type {InstanceConfig} from '../config/amprun.js';
import {runPaths} from '../config/paths.js';
import {checkoutDirectory} from '../instance/locate.js';
import type {DaemonSpec} from '../supervisor/spec.js';
import {daemonDataDirectory} from './prepare.js';
import type {DaemonUser} from './daemon-user.js';
import {readyLine} from '../postgresql/cluster.js';
import {findProgram} from './programs.js';

export interface BuiltinOptions {
	/** `run --server`: only redis, ampnode and nginx, against the shared daemons named in amprun.yaml. */
	server: boolean;
	debug: boolean;
	/** Run as root: every daemon runs as this user; nginx's master stays root to bind the ports, its workers run as this user. */
	runAs?: DaemonUser;
}

/** The project's own daemons run as `node <checkout>/bin/ampzero daemon <name> <instance>`. */
function ampzeroDaemon(name: 'logstore' | 'zerodata' | 'ampnode' | 'postgresql', instanceDirectory: string, extraArgs: string[], debug: boolean): Pick<DaemonSpec, 'command' | 'args' | 'cwd'> {
	return {
		command: process.execPath,
		args: [path.join(checkoutDirectory, 'bin', 'ampzero'), 'daemon', name, instanceDirectory, ...extraArgs, ...(debug ? ['--debug'] : [])],
		cwd: instanceDirectory,
	};
}

/** The name of the ampnode serving the index-th of `ampnode_ports`: ampnode, ampnode-2, ampnode-3 … */
export function ampnodeDaemonName(index: number): string {
	return index === 0 ? 'ampnode' : `ampnode-${index + 1}`;
}

/**
 * Every built-in daemon of an instance, in dependency order: keyspace and both redis (and the
 * instance's own PostgreSQL when zerodata uses one); then logstore and zerodata; then the ampnodes; then nginx.
 */
export function builtinDaemons(config: InstanceConfig, instanceDirectory: string, options: BuiltinOptions): DaemonSpec[] {
	const paths = runPaths(config);
	const host = config.bindAddress;
	const redisConfFile = path.join(instanceDirectory, 'ampnode', 'redis.conf');
	const redis = (role: 'live' | 'data'): DaemonSpec => {
		const port = role === 'live' ? config.ports.redisLive : config.ports.redisData;
		return {
			name: `redis-${role}`,
			command: findProgram('redis-server'),
			args: [
				redisConfFile,
				'--port', String(port),
				'--unixsocket', role === 'live' ? paths.redisLiveSocket : paths.redisDataSocket,
				'--dir', daemonDataDirectory(config, `redis-${role}`),
				'--appendonly', role === 'data' ? 'yes' : 'no',
				'--save', '',
				...(options.debug ? ['--loglevel', 'verbose'] : []),
			],
			port,
			ports: [port],
			dependsOn: [],
			ready: {kind: 'redis', host, port, password: config.redisPassword},
			readyTimeoutMs: 15_000,
			stopSignal: 'SIGTERM',
			stopTimeoutMs: 5_000,
		};
	};

	const specs: DaemonSpec[] = [];
	const sharedDaemons: string[] = [];
	if (!options.server) {
		specs.push({
			name: 'keyspace',
			command: findProgram('etcd'),
			args: ['--config-file', path.join(instanceDirectory, 'keyspace', 'keyspace-single.conf'), ...(options.debug ? ['--log-level', 'debug'] : [])],
			port: config.ports.keyspaceClient,
			ports: [config.ports.keyspaceClient, config.ports.keyspacePeer],
			dependsOn: [],
			ready: {kind: 'http', url: `http://${host}:${config.ports.keyspaceClient}/health`},
			readyTimeoutMs: 30_000,
			stopSignal: 'SIGTERM',
			stopTimeoutMs: 5_000,
		});
	}
	specs.push(redis('live'), redis('data'));
	const ownPostgresql = !options.server && config.zerodataStorage?.engine === 'postgresql' && config.zerodataStorage.postgresqlUrl === undefined;
	if (ownPostgresql) {
		specs.push({
			name: 'postgresql',
			...ampzeroDaemon('postgresql', instanceDirectory, [], options.debug),
			// Only a unix socket in the amprun root: no port.
			ports: [],
			dependsOn: [],
			ready: {kind: 'log', pattern: readyLine},
			// initdb on the first start takes a few seconds.
			readyTimeoutMs: 90_000,
			stopSignal: 'SIGTERM',
			stopTimeoutMs: 15_000,
		});
	}
	if (!options.server) {
		for (const name of ['logstore', 'zerodata'] as const) {
			const port = name === 'logstore' ? config.ports.logstore : config.ports.zerodata;
			specs.push({
				name,
				...ampzeroDaemon(name, instanceDirectory, [], options.debug),
				port,
				ports: [port],
				dependsOn: ['keyspace', 'redis-live', 'redis-data', ...(name === 'zerodata' && ownPostgresql ? ['postgresql'] : [])],
				// Neither talks to keyspace or redis while it starts; zerodata does open its PostgreSQL.
				waitsForDependencies: !(name === 'zerodata' && ownPostgresql),
				ready: {kind: 'http', url: `http://${host}:${port}/health`},
				readyTimeoutMs: 20_000,
				stopSignal: 'SIGTERM',
				stopTimeoutMs: 6_000,
			});
			sharedDaemons.push(name);
		}
	}
	const ampnodeNames: string[] = [];
	config.ports.ampnode.forEach((port, index) => {
		const name = ampnodeDaemonName(index);
		ampnodeNames.push(name);
		specs.push({
			name,
			...ampzeroDaemon('ampnode', instanceDirectory, ['--port', String(port)], options.debug),
			port,
			ports: [port],
			dependsOn: options.server ? ['redis-live', 'redis-data'] : ['keyspace', 'redis-live', 'redis-data', ...sharedDaemons],
			// It retries the live redis and keyspace while they start; zerodata and logstore it reaches per request.
			waitsForDependencies: true,
			ready: {kind: 'http', url: `http://${host}:${port}/health`},
			readyTimeoutMs: 20_000,
			stopSignal: 'SIGTERM',
			stopTimeoutMs: 6_000,
		});
	});
	specs.push({
		name: 'nginx',
		command: findProgram('nginx'),
		args: ['-p', `${paths.nginxPrefix}/`, '-e', 'stderr', '-c', path.join(instanceDirectory, 'nginx', 'nginx.conf'), '-g', `daemon off;${options.runAs ? ` user ${options.runAs.name} ${options.runAs.group};` : ''}`],
		port: config.ports.frontend,
		ports: [config.ports.frontend, config.ports.http],
		dependsOn: ampnodeNames,
		// /health passes through nginx to an ampnode: ready means the whole front door answers. Until
		// an ampnode answers, nginx itself answers 502, so it can start with the rest.
		waitsForDependencies: true,
		ready: {kind: 'http', url: `https://${host}:${config.ports.frontend}/health`},
		readyTimeoutMs: 15_000,
		stopSignal: 'SIGQUIT',
		stopTimeoutMs: 5_000,
	});
	const runAs = options.runAs;
	return runAs ? specs.map(spec => (spec.name === 'nginx' ? spec : {...spec, user: {uid: runAs.uid, gid: runAs.gid}})) : specs;
}
