import path from 'node:path';
import type {InstanceConfig} from '../config/amprun.js';
import {runPaths} from '../config/paths.js';
import {makeDirectories} from '../files/make-directories.js';
import {ensureLocalKeyspaceCredential} from './keyspace-credential.js';

/** The data directory of each daemon that keeps state, under `<root>/data/`. */
export function daemonDataDirectory(config: Pick<InstanceConfig, 'amprunRoot' | 'name'>, daemon: 'keyspace' | 'redis-live' | 'redis-data' | 'logstore' | 'zerodata' | 'postgresql'): string {
	return path.join(runPaths(config).data, daemon);
}

/**
 * Creates every directory the built-in daemons expect before they start (the programs create only
 * their last level, if that), and on a single machine the keyspace's credential.
 */
export async function prepareRunDirectories(config: Pick<InstanceConfig, 'amprunRoot' | 'name' | 'bindAddress' | 'hosts'>): Promise<void> {
	const paths = runPaths(config);
	const directories = [
		paths.logs,
		paths.pids,
		paths.nginxPrefix,
		daemonDataDirectory(config, 'keyspace'),
		daemonDataDirectory(config, 'redis-live'),
		daemonDataDirectory(config, 'redis-data'),
		daemonDataDirectory(config, 'logstore'),
		daemonDataDirectory(config, 'zerodata'),
		daemonDataDirectory(config, 'postgresql'),
	];
	for (const directory of directories) await makeDirectories(directory, 0o700);
	if (config.hosts.length === 0) await ensureLocalKeyspaceCredential(config);
}
