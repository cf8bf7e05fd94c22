import type {InstanceConfig} from '../../services/config/amprun.js';
import {loadRunConfig} from '../../services/config/placement.js';
import {UsageError} from '../../services/errors.js';
import {resolveInstanceDirectory} from '../../services/instance/locate.js';

const projectDaemons = ['logstore', 'zerodata', 'ampnode', 'postgresql'] as const;
type ProjectDaemon = (typeof projectDaemons)[number];

interface DaemonRunOptions {
	debug: boolean;
	/** For ampnode: the port to serve (one of `ampnode_ports`, or a port of its own during a deploy's hand-over). */
	port?: number;
}

export interface DaemonModule {
	runDaemon(instanceDirectory: string, config: InstanceConfig, options: DaemonRunOptions): Promise<void>;
}

/** `ampzero daemon <logstore|zerodata|ampnode|postgresql> NAME [--port N] [--debug]`: one daemon in the foreground until SIGTERM. */
export async function daemonCommand(daemon: string, name: string, options: Record<string, unknown>): Promise<number> {
	if (!(projectDaemons as readonly string[]).includes(daemon)) {
		throw new UsageError(`unknown daemon "${daemon}": choose one of ${projectDaemons.join(', ')} (etcd, redis and nginx are run by \`ampzero run\`)`);
	}
	return runProjectDaemon((await importDaemon(daemon as ProjectDaemon)) as DaemonModule, name, options);
}

/** One daemon's module run for an instance: what `ampzero daemon` and a daemon's own bundle (daemon-entry.ts) do. */
export async function runProjectDaemon(module: DaemonModule, name: string, options: Record<string, unknown>): Promise<number> {
	const port = parsePort(options['port']);
	const instanceDirectory = resolveInstanceDirectory(name);
	const config = await loadRunConfig(instanceDirectory);
	await module.runDaemon(instanceDirectory, config, {debug: options['debug'] === true, ...(port === undefined ? {} : {port})});
	return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

function importDaemon(daemon: ProjectDaemon): Promise<unknown> {
	// Literal paths, so the compiler checks each module exists.
	switch (daemon) {
		case 'logstore':
			return import('../daemons/logstore/main.js');
		case 'zerodata':
			return import('../daemons/zerodata/main.js');
		case 'ampnode':
			return import('../daemons/ampnode/main.js');
		case 'postgresql':
			return import('../daemons/postgresql/main.js');
	}
}

function parsePort(value: unknown): number | undefined {
	if (value === undefined) return undefined;
	const port = Number(value);
	if (typeof value !== 'string' || !/^\d+$/.test(value) || port < 1 || port > 65535) {
		throw new UsageError(`--port must be a port from 1 to 65535, not "${String(value)}"`);
	}
	return port;
}
