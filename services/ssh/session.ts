import type {Duplex} from 'node:stream';
import type {Client} from 'ssh2';
import {AmpError} from '../errors.js';
import {connectHop, describeHost, type SshSettings} from './connect.js';
import {execOnClient, type ExecOptions, type ExecResult} from './remote-exec.js';
import {defaultSshConfigFile, resolveHost, type ResolvedHost} from './ssh-config.js';
import {parseSshTarget, type SshTarget} from './target.js';

export type {SshSettings} from './connect.js';
export type {ExecOptions, ExecResult} from './remote-exec.js';

/** One logged-in SSH connection to a host (through its jump hosts), reused for every command. */
export interface SshSession {
	target: SshTarget;
	/** Where the connection really goes after ~/.ssh/config. */
	resolved: ResolvedHost;
	/**
	 * Runs `command` with /bin/sh on the host. Resolves with its exit code and output whatever the
	 * code; rejects with an AmpError (naming the command and host) on timeout, abort or a lost
	 * connection, after stopping the command and everything it started.
	 */
	exec(command: string, options?: ExecOptions): Promise<ExecResult>;
	/** True until the connection ends (close(), keepalive failure, the host going away). */
	readonly open: boolean;
	close(): void;
}

function forward(jump: Client, jumpLabel: string, to: ResolvedHost): Promise<Duplex> {
	return new Promise((resolve, reject) => {
		jump.forwardOut('127.0.0.1', 0, to.hostName, to.port, (error, stream) => {
			if (error) reject(new AmpError(`the jump host ${jumpLabel} could not reach ${to.hostName}:${to.port}: ${error.message}`));
			else resolve(stream);
		});
	});
}

/**
 * Connects and logs in: ~/.ssh/config applied (HostName, User, Port, IdentityFile, ProxyJump), each
 * hop's host key checked against known_hosts, the agent and identity files offered.
 */
export async function openSshSession(target: SshTarget | string, settings: SshSettings = {}): Promise<SshSession> {
	const configFile = settings.sshConfigFile ?? defaultSshConfigFile();
	const resolved = resolveHost(typeof target === 'string' ? parseSshTarget(target) : target, configFile);
	const clients: Client[] = [];
	const closeAll = () => {
		for (const client of [...clients].reverse()) client.end();
	};
	try {
		let sock: Duplex | undefined;
		let via: string | undefined;
		for (const jump of resolved.jumps) {
			const hop = resolveHost(parseSshTarget(jump), configFile);
			if (via !== undefined) sock = await forward(clients.at(-1)!, via, hop);
			clients.push(await connectHop(hop, settings, sock, via));
			via = describeHost(hop);
		}
		if (via !== undefined) sock = await forward(clients.at(-1)!, via, resolved);
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
		return {
			target: resolved.target,
			resolved,
			get open() {
				return open;
			},
			exec: (command, options) => {
				if (!open) return Promise.reject(new AmpError(`the connection to ${label} is closed${lostReason ? ` (${lostReason})` : ''}: cannot run ${command}`));
				return execOnClient(client, label, command, options);
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
