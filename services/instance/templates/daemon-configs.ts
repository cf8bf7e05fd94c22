import type {InstanceConfig} from '../../config/amprun.js';

/*
 * The configuration files of the Debian programs an instance runs. Each is valid for its
 * program as generated: `nginx -t` accepts nginx.conf, redis-server and etcd start with theirs.
 * Paths that differ per machine (amprun root) come from the config; the supervisor passes the rest.
 */

/** `nginx/nginx.conf`: HTTPS on the frontend port, upstream of every ampnode, HTTP → HTTPS redirect, the upgrading page. */
export function nginxConf(config: InstanceConfig, instanceDirectory: string): string {
	void config;
	void instanceDirectory;
	throw new Error('nginxConf: not written yet');
}

/** `ampnode/redis.conf`: settings shared by the live and data servers (the supervisor adds port, socket, dir, persistence). */
export function redisConf(config: InstanceConfig): string {
	void config;
	throw new Error('redisConf: not written yet');
}

/** `keyspace/keyspace-single.conf` and `keyspace-0/1/2.conf`: etcd YAML config files. */
export function keyspaceConf(config: InstanceConfig, member: 'single' | 0 | 1 | 2): string {
	void config;
	void member;
	throw new Error('keyspaceConf: not written yet');
}
