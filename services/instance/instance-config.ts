import {randomBytes} from 'node:crypto';
import type {InitAnswers, InstanceConfig} from '../config/amprun.js';
import {localKeyspaceEndpoint} from '../config/keyspace-tls.js';
import type {PortMap} from '../config/ports.js';

const defaultBindAddress = '127.0.0.1';

/** The addresses `--server` mode uses, derived from the ports (what they are unless the user edits amprun.yaml). */
function derivedAddresses(bindAddress: string, ports: PortMap): Pick<InstanceConfig, 'keyspaceEndpoints' | 'logstoreUrl' | 'zerodataUrl'> {
	return {
		keyspaceEndpoints: [localKeyspaceEndpoint(bindAddress, ports.keyspaceClient)],
		logstoreUrl: `http://${bindAddress}:${ports.logstore}`,
		zerodataUrl: `http://${bindAddress}:${ports.zerodata}`,
	};
}

/** The config of a new instance: the answers, the ids the hub gave, a fresh redis password. */
export function newInstanceConfig(name: string, answers: InitAnswers, ids: {userId: number; hostId: number}): InstanceConfig {
	return {
		...answers,
		name,
		...ids,
		bindAddress: defaultBindAddress,
		redisPassword: randomBytes(24).toString('base64url'),
		...derivedAddresses(defaultBindAddress, answers.ports),
		daemons: [],
		hosts: [],
	};
}

/**
 * The config `--clobber` writes: the new answers over the existing config, keeping what init made
 * once (ids, redis password, hub) and what the user added (extra daemons, edited addresses).
 */
export function clobberedInstanceConfig(existing: InstanceConfig, answers: InitAnswers): InstanceConfig {
	const oldDerived = derivedAddresses(existing.bindAddress, existing.ports);
	const newDerived = derivedAddresses(existing.bindAddress, answers.ports);
	const sameList = (a: string[], b: string[]): boolean => a.length === b.length && a.every((entry, index) => entry === b[index]);
	return {
		...existing,
		...answers,
		name: existing.name,
		hub: existing.hub,
		keyspaceEndpoints: sameList(existing.keyspaceEndpoints, oldDerived.keyspaceEndpoints) ? newDerived.keyspaceEndpoints : existing.keyspaceEndpoints,
		logstoreUrl: existing.logstoreUrl === oldDerived.logstoreUrl ? newDerived.logstoreUrl : existing.logstoreUrl,
		zerodataUrl: existing.zerodataUrl === oldDerived.zerodataUrl ? newDerived.zerodataUrl : existing.zerodataUrl,
	};
}

/** The answers an existing instance was made with: what the form and the flags start from for `--clobber`. */
export function answersOf(config: InstanceConfig): InitAnswers {
	return {
		title: config.title,
		userName: config.userName,
		userEmail: config.userEmail,
		hostName: config.hostName,
		ports: {...config.ports, ampnode: [...config.ports.ampnode]},
		amprunRoot: config.amprunRoot,
		hub: config.hub,
		setup: config.setup,
	};
}
