import path from 'node:path';
import type {InstanceConfig} from '../config/amprun.js';
import type {TopologyHost} from '../config/hosts.js';
import {AmpError} from '../errors.js';
import type {DeploymentConfig} from './config.js';

/**
 * deployment.yaml's hosts and amprun.yaml's `hosts:` are one list: each deployment host is the
 * `hosts:` entry its `name:` names, else the entry whose address is the host it connects to, and
 * every entry is deployed by exactly one deployment host. A single-machine instance (no `hosts:`)
 * goes whole to every host. Anything else is an error naming both files, before anything connects.
 * Returns each deployment target's entry (undefined for a single-machine instance).
 */
export function linkHosts(deployment: DeploymentConfig, instance: InstanceConfig, instanceDirectory: string): Map<string, TopologyHost | undefined> {
	const amprun = path.join(instanceDirectory, 'amprun.yaml');
	const links = new Map<string, TopologyHost | undefined>();
	if (instance.hosts.length === 0) {
		for (const host of deployment.hosts) {
			if (host.name !== undefined) {
				throw new AmpError(`${deployment.file}:${host.line}: ${host.target} has name: ${host.name}, but ${amprun} lists no hosts: (a single-machine instance goes whole to every host); remove name: or add hosts: to ${amprun}`);
			}
			links.set(host.target, undefined);
		}
		return links;
	}
	const entries = instance.hosts.map(entry => `${entry.name} (${entry.address})`).join(', ');
	const takenBy = new Map<string, string>();
	for (const host of deployment.hosts) {
		const entry = host.name !== undefined ? instance.hosts.find(each => each.name === host.name) : instance.hosts.find(each => each.address === host.host);
		if (!entry) {
			const why = host.name !== undefined ? `name: ${host.name} is no host of ${amprun} hosts:` : `${host.host} is the address of no host of ${amprun} hosts:`;
			throw new AmpError(`${deployment.file}:${host.line}: ${host.target}: ${why} (${entries}); give it name: with the entry it is`);
		}
		const other = takenBy.get(entry.name);
		if (other !== undefined) throw new AmpError(`${deployment.file}:${host.line}: ${host.target} and ${other} are both ${amprun} host ${entry.name}: one entry of hosts: is deployed by one host`);
		takenBy.set(entry.name, host.target);
		links.set(host.target, entry);
	}
	const missing = instance.hosts.filter(entry => !takenBy.has(entry.name));
	if (missing.length > 0) {
		throw new AmpError(
			`${amprun} hosts: ${missing.map(entry => `${entry.name} (${entry.address})`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} in no entry of ${deployment.file}: add ${missing.length === 1 ? 'it' : 'them'} under hosts: (host: USER@ADDRESS, or name: with the entry's name)`,
		);
	}
	return links;
}
