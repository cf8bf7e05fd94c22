import {execFile, execFileSync, spawn} from 'node:child_process';
import {chmodSync, closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import net from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {claimSubnet, releaseSubnet, takeOverStaleClaims, type SubnetClaim} from './subnet-claims.js';

/**
 * SSH test hosts on this machine: each an sshd (Debian's openssh-server) in its own network namespace
 * (own address, own loopback) and its own mount and UTS namespaces (own /opt and /root, bind-mounted
 * from temp directories, and own host name). Login sessions and every daemon they start see that
 * host's /opt, and a home without this machine's dotfiles, as on a fresh server.
 *
 * Host i of a harness is 10.199.<subnet>.(4i+2), its veth peer in the root namespace 10.199.<subnet>.(4i+1);
 * the root-side veths forward, so hosts reach each other (a jump host reaches the host behind it).
 */
export interface SshTestHost {
	name: string;
	namespace: string;
	address: string;
	port: number;
	user: 'root';
	/** root@ADDRESS:PORT */
	target: string;
	/** Host-side directory bind-mounted as this host's /opt. */
	optDirectory: string;
	/** Host-side directory bind-mounted as this host's /root (empty at start: no dotfiles of this machine's). */
	homeDirectory: string;
	/** The host's public key (ed25519), as ssh-keygen wrote it. */
	hostPublicKeyFile: string;
	/** The argv that runs `command` inside the host's namespaces, for a long-lived process the caller spawns (nsenter execs it: same pid). */
	enterCommand(command: string[]): string[];
	/** Runs a command inside the host's network, mount and UTS namespaces. */
	exec(command: string[], options?: {timeoutMs?: number}): Promise<{code: number; stdout: string; stderr: string}>;
	stopSshd(): Promise<void>;
	startSshd(): Promise<void>;
	/** Ends the host's SSH sessions (their sshd processes), as a host that goes away would: open connections drop. */
	dropSshSessions(): void;
}

export interface SshTestHosts {
	hosts: SshTestHost[];
	/** Private key authorized on every host (ed25519, no passphrase). */
	identityFile: string;
	/** A known_hosts with every host's key (`ADDRESS` on port 22, else `[ADDRESS]:PORT`). */
	knownHostsFile: string;
	/** The same entries hashed (`ssh-keygen -H`). */
	hashedKnownHostsFile: string;
	/** `Host NAME` entries with HostName, User, Port, IdentityFile and UserKnownHostsFile. */
	sshConfigFile: string;
	/** The temp directory holding the keys, configs and each host's /opt. */
	directory: string;
	cleanup(): Promise<void>;
}

export interface SshHostsOptions {
	/** Name prefix for namespaces and veths (default `az`); names are `<prefix><subnet>-<i>`. */
	prefix?: string;
	/** Port sshd listens on inside each namespace (default 22). */
	port?: number;
}

const sshdStartTimeoutMs = 10_000;
const live = new Set<() => void>();

function run(command: string, args: string[]): void {
	execFileSync(command, args, {stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000});
}

function tryRun(command: string, args: string[]): void {
	try {
		run(command, args);
	} catch {
		// Already gone.
	}
}

function namespacePids(namespace: string): number[] {
	try {
		return execFileSync('ip', ['netns', 'pids', namespace], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000})
			.split('\n')
			.filter(Boolean)
			.map(Number);
	} catch {
		return [];
	}
}

function killAll(pids: number[]): void {
	for (const pid of pids) {
		try {
			process.kill(pid, 'SIGKILL');
		} catch {
			// Gone already.
		}
	}
}

/** Removes what a harness made: every process in its namespaces, the namespaces, veths, temp dirs. */
function removeEverything(made: Pick<SubnetClaim, 'namespaces' | 'links' | 'directories'>): void {
	for (const namespace of made.namespaces) {
		// Processes are killed until none is left: sshd may be forking a session as we look.
		for (let round = 0; round < 50; round++) {
			const pids = namespacePids(namespace);
			if (pids.length === 0) break;
			killAll(pids);
			execFileSync('sleep', ['0.02']);
		}
		tryRun('ip', ['netns', 'delete', namespace]);
	}
	for (const link of made.links) tryRun('ip', ['link', 'delete', link]);
	for (const directory of made.directories) rmSync(directory, {recursive: true, force: true});
}

/** Removes the namespaces, veths and temp dirs of harnesses whose process is gone. */
export function removeLeftoverSshHosts(): void {
	for (const {stale, mine} of takeOverStaleClaims()) {
		removeEverything(stale);
		releaseSubnet(mine);
	}
}

let exitHooked = false;

function cleanupOnExit(cleanup: () => void): void {
	live.add(cleanup);
	if (exitHooked) return;
	exitHooked = true;
	process.on('exit', cleanupLive);
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		process.once(signal, () => {
			cleanupLive();
			process.kill(process.pid, signal);
		});
	}
}

function cleanupLive(): void {
	for (const cleanup of [...live]) cleanup();
}

function portAnswers(address: string, port: number): Promise<boolean> {
	return new Promise(resolve => {
		const socket = net.connect({host: address, port, timeout: 1000});
		socket.once('connect', () => (socket.destroy(), resolve(true)));
		socket.once('error', () => resolve(false));
		socket.once('timeout', () => (socket.destroy(), resolve(false)));
	});
}

async function waitForPort(address: string, port: number, up: boolean, what: string): Promise<void> {
	const deadline = Date.now() + sshdStartTimeoutMs;
	while ((await portAnswers(address, port)) !== up) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise(resolve => setTimeout(resolve, 50));
	}
}

function keygen(file: string, comment: string): void {
	run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
}

export async function startSshHosts(count: number, options: SshHostsOptions = {}): Promise<SshTestHosts> {
	const prefix = options.prefix ?? 'az';
	const port = options.port ?? 22;
	if (!/^[a-z]{1,4}$/.test(prefix) || prefix.startsWith('azn')) throw new Error(`bad SSH test host prefix ${prefix}`);
	if (count < 1 || count > 63) throw new Error(`between 1 and 63 SSH test hosts, not ${count}`);
	removeLeftoverSshHosts();

	const directory = mkdtempSync(path.join(tmpdir(), 'ampzero-ssh-hosts-'));
	chmodSync(directory, 0o700);
	const names = (subnet: number) => Array.from({length: count}, (_, index) => `${prefix}${subnet}-${index}`);
	const claim = claimSubnet(subnet => ({namespaces: names(subnet), links: names(subnet), directories: [directory]}));
	// The names are ours now; anything by them is left over from a harness whose claim was lost.
	removeEverything({namespaces: claim.namespaces, links: claim.links, directories: []});

	let cleanedUp = false;
	const cleanupNow = () => {
		if (cleanedUp) return;
		cleanedUp = true;
		live.delete(cleanupNow);
		removeEverything(claim);
		releaseSubnet(claim);
	};
	cleanupOnExit(cleanupNow);

	try {
		const identityFile = path.join(directory, 'id_ed25519');
		keygen(identityFile, 'ampzero-test-client');
		const authorizedKeys = path.join(directory, 'authorized_keys');
		copyFileSync(`${identityFile}.pub`, authorizedKeys);
		// sshd refuses to start without its privilege-separation directory.
		mkdirSync('/run/sshd', {recursive: true});

		const hosts = claim.namespaces.map((namespace, index) =>
			makeHost({namespace, index, subnet: claim.subnet, port, directory, authorizedKeys}),
		);
		for (const host of hosts) await host.startSshd();

		const knownHostsFile = path.join(directory, 'known_hosts');
		const entries = hosts.map(host => {
			const key = readFileSync(host.hostPublicKeyFile, 'utf8').split(' ').slice(0, 2).join(' ');
			return `${port === 22 ? host.address : `[${host.address}]:${port}`} ${key}\n`;
		});
		writeFileSync(knownHostsFile, entries.join(''));
		const hashedKnownHostsFile = path.join(directory, 'known_hosts.hashed');
		copyFileSync(knownHostsFile, hashedKnownHostsFile);
		run('ssh-keygen', ['-q', '-H', '-f', hashedKnownHostsFile]);
		rmSync(`${hashedKnownHostsFile}.old`, {force: true});

		const sshConfigFile = path.join(directory, 'ssh_config');
		writeFileSync(
			sshConfigFile,
			hosts
				.map(host =>
					[`Host ${host.name}`, `  HostName ${host.address}`, '  User root', `  Port ${port}`, `  IdentityFile ${identityFile}`, `  UserKnownHostsFile ${knownHostsFile}`, ''].join('\n'),
				)
				.join('\n'),
		);

		return {
			hosts,
			identityFile,
			knownHostsFile,
			hashedKnownHostsFile,
			sshConfigFile,
			directory,
			cleanup: async () => cleanupNow(),
		};
	} catch (error) {
		cleanupNow();
		throw error;
	}
}

interface HostPlan {
	namespace: string;
	index: number;
	subnet: number;
	port: number;
	directory: string;
	authorizedKeys: string;
}

function makeHost(plan: HostPlan): SshTestHost {
	const {namespace, index, subnet, port} = plan;
	const address = `10.199.${subnet}.${4 * index + 2}`;
	const gateway = `10.199.${subnet}.${4 * index + 1}`;
	const hostDirectory = path.join(plan.directory, namespace);
	const optDirectory = path.join(hostDirectory, 'opt');
	const homeDirectory = path.join(hostDirectory, 'root');
	mkdirSync(optDirectory, {recursive: true});
	mkdirSync(homeDirectory, {mode: 0o700});

	run('ip', ['netns', 'add', namespace]);
	run('ip', ['link', 'add', namespace, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', namespace]);
	run('ip', ['address', 'add', `${gateway}/30`, 'dev', namespace]);
	run('ip', ['link', 'set', namespace, 'up']);
	// Forwarding only on our own veths: hosts of this harness reach each other through the root namespace.
	run('sysctl', ['-q', '-w', `net.ipv4.conf.${namespace}.forwarding=1`]);
	const inside = (...args: string[]) => run('ip', ['-n', namespace, ...args]);
	inside('link', 'set', 'lo', 'up');
	inside('address', 'add', `${address}/30`, 'dev', 'eth0');
	inside('link', 'set', 'eth0', 'up');
	// Only the harness's own range is routed: nothing a host sends can leave for another network.
	inside('route', 'add', '10.199.0.0/16', 'via', gateway);

	// A holder process keeps the host's mount and UTS namespaces (its /opt and /root, its host name) while sshd
	// stops and starts; sshd and `exec` enter them through it.
	const holder = spawn(
		'ip',
		['netns', 'exec', namespace, 'unshare', '--mount', '--uts', '--propagation', 'private', 'sh', '-c', `hostname "$1" && mount --bind "$2" /opt && mount --bind "$3" /root && echo ready && exec sleep infinity`, 'sh', namespace, optDirectory, homeDirectory],
		{stdio: ['ignore', 'pipe', 'inherit'], detached: true},
	);
	holder.unref();
	const holderReady = new Promise<void>((resolve, reject) => {
		holder.stdout.once('data', () => {
			holder.stdout.destroy();
			resolve();
		});
		holder.once('exit', code => reject(new Error(`the namespace holder of ${namespace} ended (${code}) before /opt was mounted`)));
	});
	const enter = (command: string[]) => ['nsenter', '-t', String(holder.pid), '-n', '-m', '-u', '--', ...command];

	const hostKey = path.join(hostDirectory, 'ssh_host_ed25519_key');
	keygen(hostKey, namespace);
	const sshdConfig = path.join(hostDirectory, 'sshd_config');
	writeFileSync(
		sshdConfig,
		[
			`ListenAddress ${address}`,
			`ListenAddress 127.0.0.1`,
			`Port ${port}`,
			`HostKey ${hostKey}`,
			`AuthorizedKeysFile ${plan.authorizedKeys}`,
			'PermitRootLogin prohibit-password',
			'PasswordAuthentication no',
			'KbdInteractiveAuthentication no',
			'UsePAM no',
			'StrictModes no',
			'AllowTcpForwarding yes',
			'AllowAgentForwarding yes',
			`PidFile ${path.join(hostDirectory, 'sshd.pid')}`,
			'',
		].join('\n'),
	);
	const sshdLog = path.join(hostDirectory, 'sshd.log');
	let sshdPid: number | undefined;

	const host: SshTestHost = {
		name: namespace,
		namespace,
		address,
		port,
		user: 'root',
		target: `root@${address}:${port}`,
		optDirectory,
		homeDirectory,
		hostPublicKeyFile: `${hostKey}.pub`,
		enterCommand: enter,
		exec: (command, options = {}) =>
			new Promise(resolve => {
				const [file, ...args] = enter(command) as [string, ...string[]];
				execFile(file, args, {timeout: options.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL'}, (error, stdout, stderr) => {
					const code = !error ? 0 : typeof error.code === 'number' ? error.code : error.killed ? 124 : 1;
					resolve({code, stdout, stderr});
				});
			}),
		startSshd: async () => {
			await holderReady;
			if (sshdPid !== undefined) return;
			const [file, ...args] = enter(['/usr/sbin/sshd', '-D', '-e', ...(process.env['AMPZERO_SSHD_DEBUG'] ? ['-o', 'LogLevel=DEBUG1'] : []), '-f', sshdConfig]) as [string, ...string[]];
			const log = openSync(sshdLog, 'a');
			const sshd = spawn(file, args, {stdio: ['ignore', log, log], detached: true});
			closeSync(log);
			sshd.unref();
			sshdPid = sshd.pid;
			let onExit: (code: number | null) => void = () => undefined;
			const exited = new Promise<never>((_, reject) => {
				onExit = code => reject(new Error(`sshd of ${namespace} ended (${code}): ${readFileSync(sshdLog, 'utf8').trim()}`));
				sshd.once('exit', onExit);
			});
			try {
				await Promise.race([waitForPort(address, port, true, `sshd of ${namespace} to listen on ${address}:${port}`), exited]);
			} finally {
				sshd.off('exit', onExit);
			}
		},
		dropSshSessions: () => {
			if (sshdPid === undefined) return;
			let children: number[] = [];
			try {
				children = execFileSync('pgrep', ['-P', String(sshdPid)], {encoding: 'utf8'}).split('\n').filter(Boolean).map(Number);
			} catch {
				// pgrep exits 1 when there is no session
			}
			killAll(children);
		},
		stopSshd: async () => {
			if (sshdPid === undefined) return;
			killAll([sshdPid]);
			sshdPid = undefined;
			await waitForPort(address, port, false, `sshd of ${namespace} to stop`);
		},
	};
	return host;
}
