import type {Duplex} from 'node:stream';
import type {Client} from 'ssh2';
import {AmpError} from '../errors.js';
import {connectHop, defaultConnectTimeoutMs, describeHost, type SshSettings} from './connect.js';
import {execOnClient, type ExecOptions, type ExecResult} from './remote-exec.js';
import {defaultSshConfigFile, resolveHost, type ResolvedHost} from './ssh-config.js';
import {parseSshTarget, type SshTarget} from './target.js';

export type {SshSettings} from './connect.js';
;

/** One logged-in SSH connection to a host (through its jump hosts), reused for every command. */
export interface SshSession {
	target: SshTarget;
	/** Where the connection really goes after ~/.ssh/config. */
	resolved: ResolvedHost;
	/**
	 * Runs `command` with /bin/sh on the host. Resolves with its exit code and output whatever the
	 * code; rejects with an AmpError (naming the command and host) on timeout, abort or a lost
	 * connection, after stopping the command and everything it started. At most 8 commands run at
	 * once on a connection; more wait their turn, and their timeout starts when they start.
	 */
	exec(command: string, options?: ExecOptions): Promise<ExecResult>;
	/** True until the connection ends (close(), keepalive failure, the host going away). */
	readonly open: boolean;
	close(): void;
}

/**
 * sshd allows 10 channels per connection (MaxSessions); commands beyond this many wait their turn,
 * leaving room for the channel that stops a command on timeout.
 */
const maxCommandsAtOnce = 8;

class Semaphore {
	private waiting: (() => void)[] = [];
	constructor(private free: number) {}
	async acquire(): Promise<void> {
		if (this.free > 0) {
			this.free--;
			return;
		}
		await new Promise<void>(resolve => this.waiting.push(resolve));
	}
	release(): void {
		const next = this.waiting.shift();
		if (next) next();
		else this.free++;
	}
}

function forward(jump: Client, jumpLabel: string, to: ResolvedHost, timeoutMs: number): Promise<Duplex> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(
			() => reject(new AmpError(`the jump host ${jumpLabel} could not reach ${to.hostName}:${to.port} within ${Math.round(timeoutMs / 1000)}s`)),
			timeoutMs,
		);
		jump.forwardOut('127.0.0.1', 0, to.hostName, to.port, (error, stream) => {
			clearTimeout(timer);
			if (error) reject(new AmpError(`the jump host ${jumpLabel} could not reach ${to.hostName}:${to.port}: ${error.message}`));
			else resolve(stream);
		});
	});
}

/**
 * The hosts to pass through, in order, as OpenSSH does it: ProxyJump `a,b` goes through a then b, and
 * a's own ProxyJump (from the config) comes before a; the later hops' own ProxyJump lines do not count.
 */
export function jumpHosts(resolved: ResolvedHost, configFile: string, depth = 0): ResolvedHost[] {
	if (resolved.jumps.length === 0) return [];
	if (depth >= 8) throw new AmpError(`ProxyJump in ${configFile} nests more than 8 deep at ${resolved.target.host}: is there a loop?`);
	const [first, ...rest] = resolved.jumps.map(jump => resolveHost(parseSshTarget(jump), configFile)) as [ResolvedHost, ...ResolvedHost[]];
	return [...jumpHosts(first, configFile, depth + 1), first, ...rest];
}

/**
 * Connects and logs in: ~/.ssh/config applied (HostName, User, Port, IdentityFile, ProxyJump), each
 * hop's host key checked against known_hosts, the agent and identity files offered.
 */
export async function openSshSession(target: SshTarget | string, settings: SshSettings = {}): Promise<SshSession> {
	const configFile = settings.sshConfigFile ?? defaultSshConfigFile();
	const resolved = resolveHost(typeof target === 'string' ? parseSshTarget(target) : target, configFile);
	const timeoutMs = settings.connectTimeoutMs ?? defaultConnectTimeoutMs;
	const clients: Client[] = [];
	const closeAll = () => {
		for (const client of [...clients].reverse()) client.end();
	};
	try {
		let sock: Duplex | undefined;
		let via: string | undefined;
		for (const hop of jumpHosts(resolved, configFile)) {
			if (via !== undefined) sock = await forward(clients.at(-1)!, via, hop, timeoutMs);
			clients.push(await connectHop(hop, settings, sock, via));
			via = describeHost(hop);
		}
		if (via !== undefined) sock = await forward(clients.at(-1)!, via, resolved, timeoutMs);
		const client = await connectHop(resolved, settings, sock, via);
		clients.push(client);

		let open = true;
		let lostReason: string | undefined;
		client.on('error', error => (lostReason = error.message));
		client.on('close', () => {
			open = false;
			closeAll();
		});
		const label = describeHost(resolved);
		const channels = new Semaphore(maxCommandsAtOnce);
		return {
			target: resolved.target,
			resolved,
			get open() {
				return open;
			},
			exec: async (command, options) => {
				await channels.acquire();
				try {
					if (!open) throw new AmpError(`the connection to ${label} is closed${lostReason ? ` (${lostReason})` : ''}: cannot run ${command}`);
					return await execOnClient(client, label, command, options, () => lostReason);
				} finally {
					channels.release();
				}
			},
			close: () => {
				open = false;
				closeAll();
			},
		};
	} catch (error) {
		closeAll();
		throw error;
	}
}
