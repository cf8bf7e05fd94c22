import {chmod, chown, lstat, readdir, stat} from 'node:fs/promises';
import {existsSync} from 'node:fs';
import path from 'node:path';
import type {InstanceConfig} from '../config/amprun.js';
import {runPaths} from '../config/paths.js';
import {AmpError} from '../errors.js';
import {checkoutDirectory} from '../system/checkout.js';
import type {DaemonUser} from './daemon-user.js';
import {daemonDataDirectory} from './prepare.js';

const stateful = ['keyspace', 'redis-live', 'redis-data', 'logstore', 'zerodata', 'postgresql'] as const;

/** The secrets a daemon reads: the redis password (amprun.yaml, redis.conf) and the host's signing key. */
function secretsDaemonsRead(config: Pick<InstanceConfig, 'hostId'>): string[] {
	return ['amprun.yaml', 'ampnode/redis.conf', `ampnode/host-${config.hostId}.private.key`];
}

/**
 * Run as root, gives the daemon user what it needs and nothing more, through its group, never
 * "others": the instance's directories 0750 and the files daemons read 0640 (group = the daemons'
 * group); the other secrets (user key, control keys, the TLS key nginx's root master reads, the CA key) stay
 * 0600 (a host's own TLS key is the daemons': etcd, zerodata and logstore serve with it); the run directory 0750 with each daemon's data directory owned by the daemon user; logs
 * and pid files stay the supervisor's. Throws, naming the directory, when the user cannot reach
 * the instance, the run directory or this checkout.
 */
export async function grantDaemonAccess(config: InstanceConfig, instanceDirectory: string, user: DaemonUser): Promise<void> {
	const paths = runPaths(config);
	for (const target of [path.dirname(instanceDirectory), path.dirname(paths.root), path.join(checkoutDirectory, 'source'), path.dirname(process.execPath)]) {
		await assertReachable(target, user);
	}
	await shareInstanceWithDaemons(config, instanceDirectory, user);
	for (const directory of [paths.root, paths.data, paths.nginxPrefix]) await shareWithGroup(directory, user, 'directory');
	for (const daemon of stateful) await ownTree(daemonDataDirectory(config, daemon), user);
	// The single-machine keyspace's credential: etcd serves with it and ampnode shows it, both as the daemons' user.
	if (existsSync(paths.tls)) await ownTree(paths.tls, user);
}

/**
 * The instance's part of `grantDaemonAccess`: its directories 0750 and the files daemons read 0640,
 * group = the daemons' group; the other secrets left 0600. A deploy does this to a new release before
 * it switches to it: nginx's workers serve its pages through the link the moment it points there.
 */
export async function shareInstanceWithDaemons(config: Pick<InstanceConfig, 'hostId'>, instanceDirectory: string, user: DaemonUser): Promise<void> {
	const readable = new Set(secretsDaemonsRead(config));
	const secretPattern = /(^amprun\.yaml|^ampnode\/redis\.conf|\.private\.key|\.control\.key|^nginx\/server\.key|^tls\/ca\.key)$/;
	await shareWithGroup(instanceDirectory, user, 'directory');
	for (const entry of await readdir(instanceDirectory, {recursive: true, withFileTypes: true})) {
		const file = path.join(entry.parentPath, entry.name);
		const relative = path.relative(instanceDirectory, file);
		if (relative === '.git' || relative.startsWith(`.git${path.sep}`) || entry.isSymbolicLink()) continue;
		if (entry.isDirectory()) await shareWithGroup(file, user, 'directory');
		else if (!secretPattern.test(relative) || readable.has(relative)) await shareWithGroup(file, user, 'file');
	}
}

/** Group = the daemons' group; the group may read (and enter); others get nothing. */
async function shareWithGroup(file: string, user: DaemonUser, kind: 'directory' | 'file'): Promise<void> {
	const info = await stat(file);
	if (info.gid !== user.gid) await chown(file, info.uid, user.gid);
	const mode = (info.mode & 0o750) | (kind === 'directory' ? 0o050 : 0o040);
	if ((info.mode & 0o777) !== mode) await chmod(file, mode);
}

/** The daemon user owns its data directory and everything in it (data made by an earlier run as root included). */
async function ownTree(directory: string, user: DaemonUser): Promise<void> {
	await chown(directory, user.uid, user.gid);
	await chmod(directory, 0o700);
	for (const entry of await readdir(directory, {recursive: true, withFileTypes: true})) {
		const file = path.join(entry.parentPath, entry.name);
		const info = await lstat(file);
		if (info.uid !== user.uid || info.gid !== user.gid) await chown(file, user.uid, user.gid).catch(() => {});
	}
}

/** Whether `user` may enter every directory from / down to `directory`; an AmpError naming the first it may not. */
async function assertReachable(directory: string, user: DaemonUser): Promise<void> {
	const chain: string[] = [];
	for (let current = path.resolve(directory); ; current = path.dirname(current)) {
		chain.unshift(current);
		if (path.dirname(current) === current) break;
	}
	for (const current of chain) {
		const info = await stat(current);
		const bit = info.uid === user.uid ? 0o100 : info.gid === user.gid ? 0o010 : 0o001;
		if ((info.mode & bit) === 0) {
			throw new AmpError(
				`run as root, ampzero runs its daemons as the user "${user.name}", who cannot enter ${current} (mode ${(info.mode & 0o777).toString(8).padStart(4, '0')}); ` +
					`let its group in (\`chgrp ${user.group} ${current} && chmod g+x ${current}\`), or keep the instance, its amprun root and ampzero where "${user.name}" can reach them`,
			);
		}
	}
}
