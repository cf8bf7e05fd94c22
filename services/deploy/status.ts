import {loadInstanceConfig} from '../config/amprun.js';
import {errorMessage} from '../errors.js';
import {AgentClient, type RemoteSession} from './agent-client.js';
import type {DeployHostConfig, DeploymentConfig} from './config.js';
import {describeLock, lockIsStale} from './deploy-lock.js';
import {healthUrlOf, urlStatus} from './health.js';
import {linkHosts} from './host-link.js';
import type {HostStatus} from './agent/status.js';

export interface HostReport {
	host: string;
	line: string;
	release?: string;
	previous?: string;
	lock?: string;
	lockStale?: boolean;
	https?: string;
	running?: boolean;
	error?: string;
	[key: string]: unknown;
}

/** `ampzero deploy NAME status`: each host's release, previous release, lock holder and HTTPS answer. Changes nothing. */
export async function deployStatus(options: {
	instanceDirectory: string;
	config: DeploymentConfig;
	only: string[];
	parallel: number;
	connect: (host: DeployHostConfig) => Promise<RemoteSession>;
}): Promise<HostReport[]> {
	const instance = await loadInstanceConfig(options.instanceDirectory);
	const links = linkHosts(options.config, instance, options.instanceDirectory);
	const hosts = options.config.hosts.filter(host => options.only.length === 0 || options.only.includes(host.target)).sort((a, b) => a.target.localeCompare(b.target));
	const reports: HostReport[] = new Array(hosts.length);
	let next = 0;
	const worker = async (): Promise<void> => {
		for (let index = next++; index < hosts.length; index = next++) {
			const host = hosts[index]!;
			let session: RemoteSession | undefined;
			try {
				session = await options.connect(host);
				const agent = new AgentClient(session, host.root, () => {});
				await agent.install(options.config.ssh.connectTimeoutMs, undefined);
				const status = await agent.call<HostStatus>('status', {name: instance.name}, {timeoutMs: options.config.stepTimeoutMs});
				const answer = await urlStatus(healthUrlOf(host, links.get(host.target), instance, options.config.healthPath, session.resolved?.hostName), 5000);
				const https = answer.status !== undefined ? `HTTP ${answer.status}` : `no answer (${answer.error})`;
				const release = status.current ? `${status.current.ampify} ${status.current.instance}` : undefined;
				const previous = status.previous ? `${status.previous.ampify} ${status.previous.instance}` : undefined;
				const lock = status.lock ? describeLock(status.lock, instance.name) : undefined;
				const stale = status.lock ? lockIsStale(status.lock) : undefined;
				reports[index] = {
					host: host.target,
					...(release ? {release} : {}),
					...(previous ? {previous} : {}),
					...(lock ? {lock, lockStale: stale} : {}),
					https,
					...(status.running !== undefined ? {running: status.running} : {}),
					line: `${host.target}: release ${release ?? 'none'}; previous ${previous ?? 'none'}; lock ${lock ? `${stale ? 'STALE ' : ''}${lock}` : 'free'}; https ${https}${status.running === false ? '; not running' : ''}`,
				};
			} catch (error) {
				reports[index] = {host: host.target, error: errorMessage(error), line: `${host.target}: ${errorMessage(error)}`};
			} finally {
				session?.close();
			}
		}
	};
	await Promise.all(Array.from({length: Math.max(1, Math.min(options.parallel, hosts.length))}, worker));
	return reports;
}
