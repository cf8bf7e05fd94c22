import {existsSync, mkdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {isAlive} from '../../system/proc.js';
import {switchFrontend} from './hand-over.js';
import {nginxConfigOf, readPid, runDirectory, waitFor, type InstanceOnHost} from './instance-on-host.js';
import {noSay, run, type Say} from './run-program.js';

function findNginx(): string {
	for (const candidate of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) if (existsSync(candidate)) return candidate;
	return 'nginx';
}

/** The nginx that holds the frontend while the instance's own nginx is down: its prefix and pid file. */
function bridgePaths(target: InstanceOnHost): {prefix: string; pidFile: string} {
	const prefix = path.join(runDirectory(target), 'nginx-bridge');
	return {prefix, pidFile: path.join(prefix, 'nginx.pid')};
}

/**
 * Run as root, the bridge's workers run as the user `ampzero run` gives every daemon (`ampzero`,
 * else `nobody`), which can read the instance's pages and flag file; only the master stays root.
 */
function workerUser(): string[] {
	if (process.getuid?.() !== 0) return [];
	const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').map(line => line.split(':'));
	const groups = readFileSync('/etc/group', 'utf8').split('\n').map(line => line.split(':'));
	for (const name of ['ampzero', 'nobody']) {
		const entry = passwd.find(fields => fields[0] === name);
		if (!entry) continue;
		const group = groups.find(fields => fields[2] === entry[3])?.[0] ?? entry[3];
		return ['-g', `user ${name} ${group};`];
	}
	return [];
}

export async function startBridge(target: InstanceOnHost, say: Say): Promise<number> {
	const {prefix, pidFile} = bridgePaths(target);
	const running = readPid(pidFile);
	if (running) return running;
	mkdirSync(prefix, {recursive: true, mode: 0o711}); // the workers (not root) pass through to their temp directories
	// nginx daemonizes itself here; its log goes to a file, not to pipes it would keep open.
	const errorLog = path.join(prefix, 'error.log');
	await run(findNginx(), ['-p', `${prefix}/`, '-e', errorLog, '-c', nginxConfigOf(target), ...workerUser()], {say, timeoutMs: 10_000, detached: true});
	await waitFor(() => readPid(pidFile) !== undefined, 10_000, 'the bridge nginx to write its pid file');
	const pid = readPid(pidFile)!;
	say(`bridge nginx ${pid} holds the frontend`);
	return pid;
}

/**
 * After the switch: in a hand-over, nginx reloads onto the new ampnodes and the old ones end
 * (hand-over.ts). Otherwise `nginx -t` of the new release's config, then the bridge nginx upgrades on the
 * fly onto it: USR2 starts a new master that inherits the listening sockets, WINCH retires the old
 * workers, QUIT ends the old master. Without a bridge (first deploy) only the config test runs.
 */
export async function nginxUpgrade(target: InstanceOnHost, say: Say = noSay): Promise<{upgraded: boolean; handedOver?: boolean}> {
	if (await switchFrontend(target, findNginx(), say)) return {upgraded: true, handedOver: true};
	const {prefix, pidFile} = bridgePaths(target);
	const config = nginxConfigOf(target);
	mkdirSync(prefix, {recursive: true, mode: 0o711}); // the workers (not root) pass through to their temp directories
	await run(findNginx(), ['-t', '-q', '-p', `${prefix}/`, '-e', 'stderr', '-c', config, ...workerUser()], {say, timeoutMs: 10_000});
	const old = readPid(pidFile);
	if (old === undefined) return {upgraded: false};
	process.kill(old, 'SIGUSR2');
	await waitFor(() => existsSync(`${pidFile}.oldbin`) && readPid(pidFile) !== undefined && readPid(pidFile) !== old, 10_000, 'the new nginx master');
	const fresh = readPid(pidFile)!;
	process.kill(old, 'SIGWINCH');
	process.kill(old, 'SIGQUIT');
	await waitFor(() => !isAlive(old), 10_000, `the old nginx master ${old} to quit`);
	say(`nginx upgraded on the fly: master ${old} → ${fresh}`);
	return {upgraded: true};
}

export async function stopBridge(target: InstanceOnHost, say: Say = noSay): Promise<void> {
	const {pidFile} = bridgePaths(target);
	const pid = readPid(pidFile);
	if (pid === undefined) return;
	process.kill(pid, 'SIGQUIT');
	await waitFor(() => !isAlive(pid), 10_000, `the bridge nginx ${pid} to quit`);
	say(`bridge nginx ${pid} quit`);
}
