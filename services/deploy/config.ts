import {existsSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {homedir} from 'node:os';
import path from 'node:path';
import {parseYaml} from '../config/yaml-text.js';
import {AmpError} from '../errors.js';

type StrictHostKeyChecking = 'yes' | 'accept-new';

export interface DeployHostConfig {
	/** `user@host[:port]` as written. */
	target: string;
	user: string;
	host: string;
	port: number;
	/** Where releases live on this host: `<root>/dist` and `<root>/var`. */
	root: string;
	/** The entry of amprun.yaml `hosts:` this host is (`name:`); absent: matched by address, or a single-machine instance. */
	name?: string;
	/** Where the health check asks, as a client would (`health_url:`); absent: the frontend address from amprun.yaml. */
	healthUrl?: string;
	/** The line of the entry in deployment.yaml, for errors found later (the link to amprun.yaml). */
	line: number;
	/** Run on the host (from the new instance release) after set-up, before the switch. */
	preUpdate?: string;
}

export interface DeploySshConfig {
	identityFiles: string[];
	/** ssh-agent socket; defaults to SSH_AUTH_SOCK. `false` turns the agent off. */
	agent: string | false | undefined;
	knownHostsFile?: string;
	strictHostKeyChecking: StrictHostKeyChecking;
	connectTimeoutMs: number;
	keepaliveIntervalMs: number;
	/** An ssh_config file to read (`Host`, `HostName`, `User`, `Port`, `IdentityFile`, `ProxyJump`). */
	configFile?: string;
}

export interface DeploymentConfig {
	file: string;
	hosts: DeployHostConfig[];
	preDeploy?: string;
	postDeploy?: string;
	ssh: DeploySshConfig;
	/** Longest any one step may take on one host. */
	stepTimeoutMs: number;
	/** How long the health check after the switch waits for the host to answer 200. */
	healthTimeoutMs: number;
	/** The path the health check requests over HTTPS on each host. */
	healthPath: string;
	/** Releases kept on each host besides the current one (the README keeps one: the previous). */
	keepReleases: number;
}

const topKeys = ['hosts', 'root', 'pre_deploy', 'post_deploy', 'ssh', 'step_timeout_seconds', 'health_timeout_seconds', 'health_path', 'keep_releases'] as const;
const hostKeys = ['host', 'name', 'root', 'pre_update', 'health_url'] as const;
const sshKeys = ['identity_files', 'agent', 'known_hosts', 'strict_host_key_checking', 'connect_timeout_seconds', 'keepalive_seconds', 'config_file'] as const;

const defaultRoot = '/opt/ampzero';

/** `user@host`, `user@host:port`, `user@[v6]:port`. */
export function parseTarget(text: string): {user: string; host: string; port: number} | undefined {
	const match = /^([^@\s]+)@(\[[^\]]+\]|[^:\s@]+)(?::(\d{1,5}))?$/.exec(text);
	if (!match) return undefined;
	const port = match[3] === undefined ? 22 : Number(match[3]);
	if (port < 1 || port > 65535) return undefined;
	return {user: match[1]!, host: match[2]!.replace(/^\[|\]$/g, ''), port};
}

/**
 * A path as deployment.yaml writes it: `~` and `~/…` are the home directory of the user running the
 * deploy, a relative path is relative to the file's directory.
 */
function expandPath(text: string, file: string, home = homedir()): string {
	if (text === '~') return home;
	if (text.startsWith('~/')) return path.join(home, text.slice(2));
	return path.resolve(path.dirname(path.resolve(file)), text);
}

/** Parses `deployment.yaml` text. Every error names `file:line`; nothing here touches the network. */
export function parseDeploymentConfig(text: string, file: string): DeploymentConfig {
	const document = parseYaml(text, file);
	const lines = text.split('\n');
	/** The line of `key:` at the given indentation depth after `from` (1-based), for errors about values js-yaml accepted. */
	const lineOf = (key: string, from = 0): number => {
		const pattern = new RegExp(`^\\s*(?:-\\s+)?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:`);
		for (let index = Math.max(0, from - 1); index < lines.length; index++) if (pattern.test(lines[index]!)) return index + 1;
		return from || 1;
	};
	/** The line (1-based) of the first list item (`- …`) after line `from`. */
	const entryLineAfter = (from: number): number => {
		for (let index = from; index < lines.length; index++) if (/^\s*-\s/.test(lines[index]!)) return index + 1;
		return from || 1;
	};
	const fail = (line: number, message: string): never => {
		throw new AmpError(`${file}:${line}: ${message}`);
	};
	if (document === undefined || document === null) return fail(1, 'expected a mapping with hosts:');
	if (typeof document !== 'object' || Array.isArray(document)) return fail(1, 'expected a mapping with hosts:');
	const record = document as Record<string, unknown>;
	checkKeys(record, topKeys, key => fail(lineOf(key), `unknown key "${key}" (known: ${topKeys.join(', ')})`));

	const seconds = (value: unknown, key: string, fallback: number, line: number): number => {
		if (value === undefined) return fallback * 1000;
		if (typeof value !== 'number' || !(value > 0)) return fail(line, `${key} must be a positive number of seconds`);
		return Math.round(value * 1000);
	};
	const optionalString = (value: unknown, key: string, line: number): string | undefined => {
		if (value === undefined || value === null) return undefined;
		if (typeof value !== 'string' || value === '') return fail(line, `${key} must be a non-empty string`);
		return value;
	};

	const defaultHostRoot = optionalString(record['root'], 'root', lineOf('root')) ?? defaultRoot;
	if (!defaultHostRoot.startsWith('/')) fail(lineOf('root'), `root must be an absolute path, not "${defaultHostRoot}"`);
	const hostsValue = record['hosts'];
	const hostsLine = lineOf('hosts');
	if (hostsValue !== undefined && hostsValue !== null && !Array.isArray(hostsValue)) fail(hostsLine, 'hosts must be a list');
	const hosts: DeployHostConfig[] = [];
	let searchFrom = hostsLine;
	for (const [index, entry] of ((hostsValue ?? []) as unknown[]).entries()) {
		const entryLine = entryLineAfter(searchFrom);
		searchFrom = entryLine;
		const where = `hosts entry ${index + 1}`;
		const fields: Record<string, unknown> = typeof entry === 'string' ? {host: entry} : (entry as Record<string, unknown>);
		if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return fail(entryLine, `${where} must be user@host or a mapping with host:`);
		if ('setup' in fields) fail(lineOf('setup', entryLine), `${where}: setup is not set here: amprun.yaml says what each host runs (setup:, or server: true of its entry in hosts:)`);
		checkKeys(fields, hostKeys, key => fail(lineOf(key, entryLine), `unknown key "${key}" in ${where} (known: ${hostKeys.join(', ')})`));
		const target = fields['host'];
		if (typeof target !== 'string') return fail(entryLine, `${where}: host must be user@host[:port]`);
		const parsed = parseTarget(target);
		if (!parsed) return fail(entryLine, `${where}: "${target}" is not user@host[:port]`);
		const root = optionalString(fields['root'], 'root', lineOf('root', entryLine)) ?? defaultHostRoot;
		if (!root.startsWith('/')) fail(lineOf('root', entryLine), `${where}: root must be an absolute path`);
		const preUpdate = optionalString(fields['pre_update'], 'pre_update', lineOf('pre_update', entryLine));
		const name = optionalString(fields['name'], 'name', lineOf('name', entryLine));
		const healthUrl = optionalString(fields['health_url'], 'health_url', lineOf('health_url', entryLine));
		if (healthUrl !== undefined && !/^https?:\/\/[^/]+/.test(healthUrl)) fail(lineOf('health_url', entryLine), `${where}: health_url must be an http:// or https:// URL, not "${healthUrl}"`);
		if (hosts.some(host => host.target === target)) fail(entryLine, `${where}: ${target} is listed twice`);
		if (name !== undefined && hosts.some(host => host.name === name)) fail(lineOf('name', entryLine), `${where}: name ${name} is given to two hosts`);
		hosts.push({target, ...parsed, root: root.replace(/\/+$/, ''), line: entryLine, ...(name ? {name} : {}), ...(healthUrl ? {healthUrl} : {}), ...(preUpdate ? {preUpdate} : {})});
	}

	const sshValue = record['ssh'] ?? {};
	const sshLine = lineOf('ssh');
	if (typeof sshValue !== 'object' || sshValue === null || Array.isArray(sshValue)) return fail(sshLine, 'ssh must be a mapping');
	const ssh = sshValue as Record<string, unknown>;
	checkKeys(ssh, sshKeys, key => fail(lineOf(key, sshLine), `unknown key "${key}" in ssh (known: ${sshKeys.join(', ')})`));
	const identityValue = ssh['identity_files'] ?? [];
	const identityList = typeof identityValue === 'string' ? [identityValue] : identityValue;
	if (!Array.isArray(identityList) || !identityList.every(item => typeof item === 'string')) fail(lineOf('identity_files', sshLine), 'ssh.identity_files must be a list of key files');
	const agentValue = ssh['agent'];
	let agent: string | false | undefined;
	if (agentValue === false) agent = false;
	else if (agentValue === undefined || agentValue === true || agentValue === null) agent = undefined;
	else if (typeof agentValue === 'string') agent = agentValue;
	else fail(lineOf('agent', sshLine), 'ssh.agent must be true, false or a socket path');
	const strict = ssh['strict_host_key_checking'] ?? 'yes';
	if (strict !== 'yes' && strict !== 'accept-new') fail(lineOf('strict_host_key_checking', sshLine), `ssh.strict_host_key_checking must be yes or accept-new, not "${String(strict)}"`);
	const knownHosts = optionalString(ssh['known_hosts'], 'ssh.known_hosts', lineOf('known_hosts', sshLine));
	const configFile = optionalString(ssh['config_file'], 'ssh.config_file', lineOf('config_file', sshLine));

	const keep = record['keep_releases'] ?? 1;
	if (typeof keep !== 'number' || !Number.isInteger(keep) || keep < 1) fail(lineOf('keep_releases'), 'keep_releases must be a whole number of 1 or more');
	const healthPath = optionalString(record['health_path'], 'health_path', lineOf('health_path')) ?? '/health';
	if (!healthPath.startsWith('/')) fail(lineOf('health_path'), 'health_path must start with /');

	return {
		file,
		hosts,
		...(optionalString(record['pre_deploy'], 'pre_deploy', lineOf('pre_deploy')) ? {preDeploy: record['pre_deploy'] as string} : {}),
		...(optionalString(record['post_deploy'], 'post_deploy', lineOf('post_deploy')) ? {postDeploy: record['post_deploy'] as string} : {}),
		ssh: {
			identityFiles: (identityList as string[]).map(item => expandPath(item, file)),
			agent: typeof agent === 'string' ? expandPath(agent, file) : agent,
			...(knownHosts ? {knownHostsFile: expandPath(knownHosts, file)} : {}),
			strictHostKeyChecking: strict as StrictHostKeyChecking,
			connectTimeoutMs: seconds(ssh['connect_timeout_seconds'], 'ssh.connect_timeout_seconds', 10, lineOf('connect_timeout_seconds', sshLine)),
			keepaliveIntervalMs: seconds(ssh['keepalive_seconds'], 'ssh.keepalive_seconds', 15, lineOf('keepalive_seconds', sshLine)),
			...(configFile ? {configFile: expandPath(configFile, file)} : {}),
		},
		stepTimeoutMs: seconds(record['step_timeout_seconds'], 'step_timeout_seconds', 120, lineOf('step_timeout_seconds')),
		healthTimeoutMs: seconds(record['health_timeout_seconds'], 'health_timeout_seconds', 60, lineOf('health_timeout_seconds')),
		healthPath,
		keepReleases: keep as number,
	};
}

function checkKeys(record: object, known: readonly string[], onUnknown: (key: string) => never): void {
	for (const key of Object.keys(record)) if (!known.includes(key)) onUnknown(key);
}

export async function loadDeploymentConfig(file: string): Promise<DeploymentConfig> {
	let text: string;
	try {
		text = await readFile(file, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new AmpError(`${file} does not exist: list your hosts there (init writes an example) or pass --config FILE`);
		throw error;
	}
	const config = parseDeploymentConfig(text, file);
	// A file named but missing would leave every host unknown (or, with accept-new, trust whoever answers): an error, never a default.
	const named: Array<[string, string | undefined]> = [
		['known_hosts', config.ssh.knownHostsFile],
		['config_file', config.ssh.configFile],
		...config.ssh.identityFiles.map((identity): [string, string] => ['identity_files', identity]),
	];
	for (const [key, named_] of named) {
		if (named_ !== undefined && !existsSync(named_)) throw new AmpError(`${file}:${lineNumberOf(text, key)}: ssh.${key} names ${named_}, which does not exist`);
	}
	return config;
}

function lineNumberOf(text: string, key: string): number {
	const index = text.split('\n').findIndex(line => new RegExp(`^\\s*${key}\\s*:`).test(line));
	return index === -1 ? 1 : index + 1;
}
