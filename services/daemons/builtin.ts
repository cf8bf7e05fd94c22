import path from 'node:path';
import type {InstanceConfig} from '../config/amprun.js';
import {runPaths} from '../config/paths.js';
import {checkoutDirectory} from '../instance/locate.js';
import type {DaemonSpec} from '../supervisor/spec.js';
import {daemonDataDirectory} from './prepare.js';
import {findProgram} from './programs.js';

export interface BuiltinOptions {
	/** `run --server`: only redis, ampnode and nginx, against the shared daemons named in amprun.yaml. */
	server: boolean;
	debug: boolean;
}

/** The project's own daemons run as `node <checkout>/bin/ampzero daemon <name> <instance>`. */
function ampzeroDaemon(name: 'logstore' | 'zerodata' | 'ampnode', instanceDirectory: string, extraArgs: string[], debug: boolean): Pick<DaemonSpec, 'command' | 'args' | 'cwd'> {
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
 * Every built-in daemon of an instance, in dependency order: keyspace and both redis; then logstore
 * and zerodata; then the ampnodes; then nginx.
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
	if (!options.server) {
		for (const name of ['logstore', 'zerodata'] as const) {
			const port = name === 'logstore' ? config.ports.logstore : config.ports.zerodata;
			specs.push({
				name,
				...ampzeroDaemon(name, instanceDirectory, [], options.debug),
				port,
				ports: [port],
				dependsOn: ['keyspace', 'redis-live', 'redis-data'],
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
			ready: {kind: 'http', url: `http://${host}:${port}/health`},
			readyTimeoutMs: 20_000,
			stopSignal: 'SIGTERM',
			stopTimeoutMs: 6_000,
		});
	});
	// While a deploy hands the frontend over, its bridge nginx holds these ports (both listen with reuseport).
	const frontendHandoff = process.env['AMPZERO_FRONTEND_HANDOFF'] === '1';
	const frontendAddress = config.frontendAddress ?? host;
	const probeHost = frontendAddress === '0.0.0.0' || frontendAddress === '::' || frontendAddress === '[::]' ? host : frontendAddress;
	specs.push({
		name: 'nginx',
		command: findProgram('nginx'),
		args: ['-p', `${paths.nginxPrefix}/`, '-e', 'stderr', '-c', path.join(instanceDirectory, 'nginx', 'nginx.conf'), '-g', 'daemon off;'],
		port: config.ports.frontend,
		ports: frontendHandoff ? [] : [config.ports.frontend, config.ports.http],
		dependsOn: ampnodeNames,
		// /health passes through nginx to an ampnode: ready means the whole front door answers.
		ready: {kind: 'http', url: `https://${probeHost}:${config.ports.frontend}/health`},
		readyTimeoutMs: 15_000,
		stopSignal: 'SIGQUIT',
		stopTimeoutMs: 5_000,
	});
	return specs;
}
