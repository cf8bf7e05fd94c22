import path from 'node:path';
import type {InstanceConfig} from './instance-config.js';

/** Where an instance keeps its runtime files, all under `amprun_root_directory/<instance>/`. */
export interface RunPaths {
	root: string;
	/** `<root>/logs/<daemon>.log`, rotated to `<daemon>.log.1` … */
	logs: string;
	/** `<root>/pids/<daemon>.pid` */
	pids: string;
	/** `<root>/data/<daemon>/`: etcd data dir, redis AOF, logstore segments, zerodata database. */
	data: string;
	/** The supervisor's control socket, lock file and pid file. */
	supervisorSocket: string;
	supervisorLock: string;
	supervisorPid: string;
	/** nginx's prefix directory (`-p`): its pid file and temp paths live here. */
	nginxPrefix: string;
	/** While this file exists nginx answers every request with the "being upgraded" page (503). */
	upgradingFlag: string;
	/** Unix sockets of the two redis servers. */
	redisLiveSocket: string;
	redisDataSocket: string;
	/** The directory holding the instance PostgreSQL's unix socket (zerodata's engine when amprun.yaml asks for it). */
	postgresqlSocketDirectory: string;
	/** A single-machine keyspace's own CA and certificate (see config/keyspace-tls.ts). */
	tls: string;
}

export function runPaths(config: Pick<InstanceConfig, 'amprunRoot' | 'name'>): RunPaths {
	const root = path.join(config.amprunRoot, config.name);
	return {
		root,
		logs: path.join(root, 'logs'),
		pids: path.join(root, 'pids'),
		data: path.join(root, 'data'),
		supervisorSocket: path.join(root, 'supervisor.sock'),
		supervisorLock: path.join(root, 'supervisor.lock'),
		supervisorPid: path.join(root, 'supervisor.pid'),
		nginxPrefix: path.join(root, 'nginx'),
		upgradingFlag: path.join(root, 'upgrading'),
		// In each server's own data directory, which its user owns (redis creates the socket).
		redisLiveSocket: path.join(root, 'data', 'redis-live', 'redis.sock'),
		redisDataSocket: path.join(root, 'data', 'redis-data', 'redis.sock'),
		// Inside PostgreSQL's own data directory, which the daemons' user owns.
		postgresqlSocketDirectory: path.join(root, 'data', 'postgresql', 'socket'),
		tls: path.join(root, 'tls'),
	};
}
