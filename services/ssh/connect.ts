import net from 'node:net';
import {homedir} from 'node:os';
import path from 'node:path';
import type {Duplex} from 'node:stream';
import ssh2, {type ConnectConfig} from 'ssh2';

// ssh2 is CommonJS: Node's ESM loader gives only its default export.
const {Client} = ssh2;
type Client = InstanceType<typeof Client>;
import {AmpError} from '../errors.js';
import {planAuth} from './auth.js';
import {appendKnownHost, checkHostKey, fingerprint, keyTypeOf, knownKeyTypes, readKnownHosts, type HostKeyVerdict} from './known-hosts.js';
import {defaultIdentityFiles, type ResolvedHost} from './ssh-config.js';
import {hostKeyName} from './target.js';

export interface SshSettings {
	identityFiles?: string[];
	/** Use the ssh-agent at SSH_AUTH_SOCK (default true). */
	agent?: boolean;
	/** Default ~/.ssh/known_hosts. */
	knownHostsFile?: string;
	/** `yes` (default): only hosts whose key is listed. `accept-new`: an unlisted host's key is added. */
	strictHostKeyChecking?: 'yes' | 'accept-new';
	/** TCP connect plus SSH handshake and login (default 20 s). */
	connectTimeoutMs?: number;
	/** Keepalive every this often (default 15 s); three unanswered ones end the connection. */
	keepaliveIntervalMs?: number;
	/** Default ~/.ssh/config; a missing file is fine. */
	sshConfigFile?: string;
}

export const defaultConnectTimeoutMs = 20_000;
const defaultKeepaliveIntervalMs = 15_000;

function knownHostsFileOf(settings: SshSettings): string {
	return settings.knownHostsFile ?? path.join(homedir(), '.ssh', 'known_hosts');
}

function socketAnswers(file: string): Promise<boolean> {
	return new Promise(resolve => {
		const socket = net.connect(file);
		const timer = setTimeout(() => (socket.destroy(), resolve(false)), 2000);
		socket.once('connect', () => (clearTimeout(timer), socket.destroy(), resolve(true)));
		socket.once('error', () => (clearTimeout(timer), resolve(false)));
	});
}

/** How messages name a host: the alias as written, and where it really goes when the config maps it. */
export function describeHost(resolved: ResolvedHost): string {
	const real = `${resolved.user}@${hostKeyName(resolved.hostName, resolved.port)}`;
	return resolved.target.host === resolved.hostName ? real : `${resolved.target.host} (${real})`;
}

/** Host-key algorithms to ask for: those known_hosts lists for the host first, so a known host is checked against the key type on file. */
function hostKeyAlgorithms(knownTypes: string[]): string[] {
	const defaults = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256'];
	const preferred = knownTypes.flatMap(type => (type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256'] : [type])).filter(type => defaults.includes(type));
	return [...new Set([...preferred, ...defaults])];
}

function hostKeyRefusal(verdict: HostKeyVerdict, resolved: ResolvedHost, key: Buffer, file: string): AmpError | undefined {
	const name = hostKeyName(resolved.hostName, resolved.port);
	const offered = `${keyTypeOf(key)} ${fingerprint(key)}`;
	switch (verdict.status) {
		case 'known':
			return undefined;
		case 'revoked':
			return new AmpError(`the host key of ${describeHost(resolved)} (${offered}) is marked @revoked in ${file}:${verdict.entry.line}: refusing to connect`);
		case 'changed': {
			const listed = verdict.known.map(entry => `${entry.keyType} ${fingerprint(entry.key)} (${file}:${entry.line})`).join(', ');
			return new AmpError(
				`the host key of ${describeHost(resolved)} has CHANGED: it now offers ${offered}, but known_hosts lists ${listed}. ` +
					`Someone may be intercepting the connection, or the host was reinstalled; only if you know it was, remove the old entry ` +
					`(ssh-keygen -R '${name}' -f ${file}) and connect again`,
			);
		}
		case 'unknown':
			return new AmpError(
				`the host key of ${describeHost(resolved)} is not in ${file}: it offers ${offered}. ` +
					`Check that fingerprint with the host (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub there), then add it ` +
					`(ssh-keyscan -p ${resolved.port} ${resolved.hostName} >> ${file}), or set strict host key checking to accept-new to trust a host's first key`,
			);
	}
}

function connectionError(error: Error & {code?: string; level?: string}, resolved: ResolvedHost, timeoutMs: number, via: string | undefined): AmpError {
	const who = describeHost(resolved);
	const where = `${resolved.hostName}:${resolved.port}${via ? ` (through ${via})` : ''}`;
	switch (error.code) {
		case 'ECONNREFUSED':
			return new AmpError(`${where} refused the connection: is sshd running there, on port ${resolved.port}?`);
		case 'EHOSTUNREACH':
		case 'ENETUNREACH':
			return new AmpError(`cannot reach ${where} (${error.code}): check the address and the network`);
		case 'ETIMEDOUT':
			return new AmpError(`no answer from ${where} (connection timed out): check the address, the port and any firewall`);
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return new AmpError(`cannot resolve the host name ${resolved.hostName} (${error.code})`);
	}
	if (error.level === 'client-timeout') return new AmpError(`no SSH login to ${who} within ${Math.round(timeoutMs / 1000)}s: check the address, the port and any firewall`);
	return new AmpError(`cannot connect to ${who}: ${error.message}`);
}

/**
 * One SSH connection (one hop): host key checked against known_hosts, logged in with the agent and
 * identity files. `sock` is a channel forwarded by a jump host, else a TCP connection is made.
 */
export async function connectHop(resolved: ResolvedHost, settings: SshSettings, sock?: Duplex, via?: string): Promise<Client> {
	const knownHostsFile = knownHostsFileOf(settings);
	const entries = readKnownHosts(knownHostsFile);
	const timeoutMs = settings.connectTimeoutMs ?? defaultConnectTimeoutMs;
	const agentSocket = settings.agent === false ? undefined : process.env['SSH_AUTH_SOCK'] || undefined;
	// ssh2 gives up on the whole login when the agent cannot be reached, so a dead agent is left out.
	const agentAnswers = agentSocket !== undefined && (await socketAnswers(agentSocket));
	const identityFiles = [...(settings.identityFiles ?? []), ...resolved.identityFiles];
	const auth = planAuth(resolved.user, identityFiles.length > 0 ? identityFiles : defaultIdentityFiles(), agentAnswers ? agentSocket : undefined);
	if (agentSocket !== undefined && !agentAnswers) auth.skipped.unshift(`no ssh-agent answers at SSH_AUTH_SOCK=${agentSocket}`);
	if (auth.methods.length === 0) {
		const noAgent = agentSocket === undefined ? `no ssh-agent (SSH_AUTH_SOCK ${settings.agent === false ? 'not used' : 'unset'}), ` : '';
		throw new AmpError(`no key to log in to ${describeHost(resolved)} with: ${noAgent}no usable identity file${auth.skipped.length > 0 ? `; ${auth.skipped.join('; ')}` : ''}`);
	}

	return new Promise((resolve, reject) => {
		const client = new Client();
		let refusal: AmpError | undefined;
		let acceptedNewKey: Buffer | undefined;
		let settled = false;
		const fail = (error: AmpError) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			client.end();
			client.destroy();
			reject(error);
		};
		// ssh2's readyTimeout covers the handshake; this covers everything, a stalled forwarded channel included.
		const timer = setTimeout(() => fail(new AmpError(`no SSH login to ${describeHost(resolved)} within ${Math.round(timeoutMs / 1000)}s`)), timeoutMs + 1000);

		client.once('ready', () => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			if (acceptedNewKey) appendKnownHost(knownHostsFile, resolved.hostName, resolved.port, acceptedNewKey);
			resolve(client);
		});
		client.on('error', (error: Error & {code?: string; level?: string}) => {
			if (refusal) return fail(refusal);
			if (error.level === 'client-authentication') {
				const skipped = auth.skipped.length > 0 ? `; not usable: ${auth.skipped.join('; ')}` : '';
				return fail(new AmpError(`${describeHost(resolved)} refused every key: tried ${auth.tried.join(', ')}${skipped}`));
			}
			fail(connectionError(error, resolved, timeoutMs, via));
		});
		client.once('close', () => fail(new AmpError(`the connection to ${describeHost(resolved)} closed during login`)));

		const config: ConnectConfig = {
			host: resolved.hostName,
			port: resolved.port,
			username: resolved.user,
			authHandler: auth.methods,
			readyTimeout: timeoutMs,
			keepaliveInterval: settings.keepaliveIntervalMs ?? defaultKeepaliveIntervalMs,
			keepaliveCountMax: 3,
			algorithms: {serverHostKey: hostKeyAlgorithms(knownKeyTypes(entries, resolved.hostName, resolved.port)) as NonNullable<ConnectConfig['algorithms']>['serverHostKey']},
			hostVerifier: (key: Buffer) => {
				const verdict = checkHostKey(entries, resolved.hostName, resolved.port, key);
				if (verdict.status === 'unknown' && settings.strictHostKeyChecking === 'accept-new') {
					acceptedNewKey = key;
					return true;
				}
				refusal = hostKeyRefusal(verdict, resolved, key, knownHostsFile);
				return refusal === undefined;
			},
			...(sock ? {sock} : {}),
		};
		client.connect(config);
	});
}
