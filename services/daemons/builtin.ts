import {existsSync} from 'node:fs';
import path from 'node:path';
import type {InstanceConfig} from '../config/amprun.js';
import {runPaths} from '../config/paths.js';
import {urlHost} from '../config/hosts.js';
import {hostEnvironmentVariable} from '../config/placement.js';
import {localKeyspaceEndpoint, localKeyspaceTlsFiles} from '../config/keyspace-tls.js';
import {checkoutDirectory} from '../system/checkout.js';
import {runNginxConfig} from './nginx-run-config.js';
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
	/** The ports the ampnodes run on (ampnode-ports.ts), in the order of `ampnode_ports`; those ports when not given. */
	ampnodePorts?: readonly number[];
}

/**
 * The project's own daemons run as `node <checkout>/dist/source/daemons/<name>.bundle.js <instance>`,
 * the one-file build of `node <checkout>/bin/ampzero daemon <name> <instance>` (which is used where
 * the build made no bundles: a release built on a deploy host).
 */
function ampzeroDaemon(name: 'logstore' | 'zerodata' | 'ampnode' | 'postgresql', instanceDirectory: string, extraArgs: string[], debug: boolean, placedAs?: string): Pick<DaemonSpec, 'command' | 'args' | 'cwd' | 'env'> {
	const bundle = path.join(checkoutDirectory, 'dist', 'source', 'daemons', `${name}.bundle.js`);
	const start = existsSync(bundle) ? [bundle] : [path.join(checkoutDirectory, 'bin', 'ampzero'), 'daemon', name];
	return {
		command: process.execPath,
		args: [...start, instanceDirectory, ...extraArgs, ...(debug ? ['--debug'] : [])],
		cwd: instanceDirectory,
		// On a host of `hosts:` the daemon takes the same place as the run that starts it.
		...(placedAs === undefined ? {} : {env: {[hostEnvironmentVariable]: placedAs}}),
	};
}

/** Set by a deploy's start-new: the frontend is being handed over from the release before (deploy/agent/hand-over.ts). */
export function handingOverFrontend(): boolean {
	return process.env['AMPZERO_FRONTEND_HANDOFF'] === '1';
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

	// On a host of `hosts:` the topology says what runs here; a server host never runs logstore or zerodata.
	const placed = config.placement?.host;
	const server = options.server || placed?.server === true;
	const runsKeyspace = placed ? placed.keyspace !== undefined : !server;
	const runsShared = (name: 'logstore' | 'zerodata'): boolean => !server && (placed ? placed[name] : true);
	const runsFrontend = placed ? placed.frontend : true;
	const sharedHost = placed?.address ?? host;

	const specs: DaemonSpec[] = [];
	const sharedDaemons: string[] = [];
	if (runsKeyspace) {
		const conf = placed ? `keyspace-${placed.keyspace}.conf` : 'keyspace-single.conf';
		specs.push({
			name: 'keyspace',
			command: findProgram('etcd'),
			args: ['--config-file', path.join(instanceDirectory, 'keyspace', conf), ...(options.debug ? ['--log-level', 'debug'] : [])],
			port: config.ports.keyspaceClient,
			ports: [config.ports.keyspaceClient, config.ports.keyspacePeer],
			dependsOn: [],
			// A cluster member answers /health only with a quorum: listening is its ready (ampnode waits for the
			// quorum when it registers). A single member answers it to a client showing this machine's keyspace certificate.
			ready: placed
				? {kind: 'tcp', host: placed.address, port: config.ports.keyspaceClient}
				: {kind: 'http', url: `${localKeyspaceEndpoint(host, config.ports.keyspaceClient)}/health`, tls: localKeyspaceTlsFiles(config)},
			readyTimeoutMs: 30_000,
			stopSignal: 'SIGTERM',
			stopTimeoutMs: 5_000,
		});
	}
	const localDependencies = (): string[] => [...(runsKeyspace ? ['keyspace'] : []), 'redis-live', 'redis-data'];
	if (runsFrontend || runsShared('logstore') || runsShared('zerodata')) specs.push(redis('live'), redis('data'));
	const ownPostgresql = runsShared('zerodata') && config.zerodataStorage?.engine === 'postgresql' && config.zerodataStorage.postgresqlUrl === undefined;
	if (ownPostgresql) {
		specs.push({
			name: 'postgresql',
			...ampzeroDaemon('postgresql', instanceDirectory, [], options.debug, placed?.name),
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
	for (const name of ['logstore', 'zerodata'] as const) {
		if (!runsShared(name)) continue;
		const port = name === 'logstore' ? config.ports.logstore : config.ports.zerodata;
		specs.push({
			name,
			...ampzeroDaemon(name, instanceDirectory, [], options.debug, placed?.name),
			port,
			ports: [port],
			dependsOn: [...localDependencies(), ...(name === 'zerodata' && ownPostgresql ? ['postgresql'] : [])],
			// Neither talks to keyspace or redis while it starts; zerodata does open its PostgreSQL.
			waitsForDependencies: !(name === 'zerodata' && ownPostgresql),
			ready: placed ? {kind: 'tcp', host: sharedHost, port} : {kind: 'http', url: `http://${host}:${port}/health`},
			readyTimeoutMs: 20_000,
			stopSignal: 'SIGTERM',
			stopTimeoutMs: 6_000,
		});
		sharedDaemons.push(name);
	}
	if (!runsFrontend) return withUser(specs, options.runAs);
	const ampnodeNames: string[] = [];
	(options.ampnodePorts ?? config.ports.ampnode).forEach((port, index) => {
		const name = ampnodeDaemonName(index);
		ampnodeNames.push(name);
		specs.push({
			name,
			...ampzeroDaemon('ampnode', instanceDirectory, ['--port', String(port)], options.debug, placed?.name),
			port,
			ports: [port],
			dependsOn: [...localDependencies(), ...sharedDaemons],
			// It retries the live redis and keyspace while they start; zerodata and logstore it reaches per request.
			waitsForDependencies: true,
			...(server || placed ? {waitsForRemote: true} : {}),
			ready: {kind: 'http', url: `http://${host}:${port}/health`},
			readyTimeoutMs: 20_000,
			stopSignal: 'SIGTERM',
			stopTimeoutMs: 6_000,
		});
	});
	// While a deploy hands the frontend over, the old nginx (or its bridge) holds these ports (both listen with reuseport).
	const frontendHandoff = handingOverFrontend();
	const frontendAddress = placed?.address ?? config.frontendAddress ?? host;
	const probeHost = frontendAddress === '0.0.0.0' || frontendAddress === '::' || frontendAddress === '[::]' ? host : frontendAddress;
	specs.push({
		name: 'nginx',
		command: findProgram('nginx'),
		// The run's copy of the instance's config, its upstream on the ports the ampnodes run on (nginx-run-config.ts).
		args: ['-p', `${paths.nginxPrefix}/`, '-e', 'stderr', '-c', runNginxConfig(config), '-g', `daemon off;${options.runAs ? ` user ${options.runAs.name} ${options.runAs.group};` : ''}`],
		port: config.ports.frontend,
		ports: frontendHandoff ? [] : [config.ports.frontend, config.ports.http],
		dependsOn: ampnodeNames,
		// /health passes through nginx to an ampnode: ready means the whole front door answers. Until
		// an ampnode answers, nginx itself answers 502, so it can start with the rest.
		waitsForDependencies: true,
		ready: {kind: 'http', url: `https://${urlHost(probeHost)}:${config.ports.frontend}/health`},
		readyTimeoutMs: 15_000,
		stopSignal: 'SIGQUIT',
		stopTimeoutMs: 5_000,
	});
	return withUser(specs, options.runAs);
}

function withUser(specs: DaemonSpec[], runAs: DaemonUser | undefined): DaemonSpec[] {
	return runAs ? specs.map(spec => (spec.name === 'nginx' ? spec : {...spec, user: {uid: runAs.uid, gid: runAs.gid}})) : specs;
}
