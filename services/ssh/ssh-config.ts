import {existsSync, readFileSync} from 'node:fs';
import {homedir, userInfo} from 'node:os';
import path from 'node:path';
import SSHConfig from 'ssh-config';
import {AmpError} from '../errors.js';
import {parseSshTarget, type SshTarget} from './target.js';

/** A target after ~/.ssh/config: the address to dial, who to log in as, keys, jump hosts. */
export interface ResolvedHost {
	target: SshTarget;
	/** HostName from the config, else the host as written. Host keys are checked under this name. */
	hostName: string;
	port: number;
	user: string;
	/** IdentityFile entries, `~` and `%` tokens expanded. */
	identityFiles: string[];
	/** ProxyJump hosts in the order they are dialled (`user@host:port` each); empty for a direct connection. */
	jumps: string[];
}

export function defaultSshConfigFile(): string {
	return path.join(homedir(), '.ssh', 'config');
}

function loadConfig(file: string): SSHConfig | undefined {
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		throw new AmpError(`cannot read the SSH config ${file}: ${(error as Error).message}`);
	}
	try {
		return SSHConfig.parse(text);
	} catch (error) {
		throw new AmpError(`cannot parse the SSH config ${file}: ${(error as Error).message}`);
	}
}

/** OpenSSH's `~` and `%d %h %r %u %%` tokens (ssh_config(5) "TOKENS") for IdentityFile. */
export function expandPath(value: string, tokens: {host: string; remoteUser: string}): string {
	const home = homedir();
	const expanded = value.replace(/%[%dhru]/g, token =>
		token === '%%' ? '%' : token === '%d' ? home : token === '%h' ? tokens.host : token === '%r' ? tokens.remoteUser : userInfo().username,
	);
	return expanded === '~' ? home : expanded.startsWith('~/') ? path.join(home, expanded.slice(2)) : expanded;
}

function first(value: string | string[] | undefined): string | undefined {
	return Array.isArray(value) ? value[0] : value;
}

/** Applies ~/.ssh/config (a missing file is fine) to a target; what the user wrote wins over the config. */
export function resolveHost(target: SshTarget | string, configFile = defaultSshConfigFile()): ResolvedHost {
	const parsed = typeof target === 'string' ? parseSshTarget(target) : target;
	const defaulted = new Set(parsed.defaulted ?? []);
	const computed = loadConfig(configFile)?.compute(parsed.host, {ignoreCase: true, matchExec: false}) ?? {};
	const hostName = first(computed['hostname']) ?? parsed.host;
	const configUser = first(computed['user']);
	const user = defaulted.has('user') && configUser ? configUser : parsed.user;
	const configPort = first(computed['port']);
	let port = parsed.port;
	if (defaulted.has('port') && configPort) {
		port = Number(configPort);
		if (!Number.isInteger(port) || port < 1 || port > 65535) throw new AmpError(`${configFile}: Port ${configPort} for ${parsed.host} is not a port`);
	}
	const tokens = {host: hostName, remoteUser: user};
	const identityEntries = computed['identityfile'];
	const identityFiles = (Array.isArray(identityEntries) ? identityEntries : identityEntries ? [identityEntries] : []).map(file => expandPath(file, tokens));
	const proxyJump = first(computed['proxyjump']);
	const jumps = !proxyJump || proxyJump.toLowerCase() === 'none' ? [] : proxyJump.split(',').map(jump => jump.trim().replace(/^ssh:\/\//, ''));
	return {target: parsed, hostName: hostName.replace(/%h/g, parsed.host), port, user, identityFiles, jumps};
}

/** ssh's default identities, those that exist, when neither settings nor config name any. */
export function defaultIdentityFiles(): string[] {
	return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map(name => path.join(homedir(), '.ssh', name)).filter(file => existsSync(file));
}
