import {parseYaml} from '../config/yaml-text.js';
import type {InitAnswers} from '../config/amprun.js';
import type {PortMap} from '../config/ports.js';
import {AmpError} from '../errors.js';
import {readRegularFile} from '../files/read-regular-file.js';

const portKeys: Record<string, Exclude<keyof PortMap, 'ampnode'>> = {
	frontend_port: 'frontend',
	http_port: 'http',
	keyspace_client_port: 'keyspaceClient',
	keyspace_peer_port: 'keyspacePeer',
	redis_live_port: 'redisLive',
	redis_data_port: 'redisData',
	logstore_port: 'logstore',
	zerodata_port: 'zerodata',
};

const textKeys: Record<string, 'title' | 'userName' | 'userEmail' | 'hostName' | 'amprunRoot' | 'hub' | 'setup'> = {
	title: 'title',
	user_name: 'userName',
	user_email: 'userEmail',
	host_name: 'hostName',
	amprun_root_directory: 'amprunRoot',
	hub: 'hub',
	setup: 'setup',
};

/** Keys of amprun.yaml that init makes itself: accepted in an answers file (so an amprun.yaml can be one) and ignored. */
const madeByInit = new Set(['instance_name', 'user_id', 'host_id', 'bind_address', 'redis_password', 'keyspace_endpoints', 'logstore_url', 'zerodata_url', 'daemons']);

/**
 * Reads `--answers FILE`: a YAML mapping with the keys of amprun.yaml, each optional, laid over
 * `base`. Errors name `file:line`. Values are taken as given; validateAnswers judges them.
 */
export async function readAnswersFile(file: string, base: InitAnswers): Promise<InitAnswers> {
	let text: string;
	try {
		text = await readRegularFile(file);
	} catch (error) {
		throw new AmpError(`cannot read the answers file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 2);
	}
	return parseAnswers(text, file, base);
}

export function parseAnswers(text: string, file: string, base: InitAnswers): InitAnswers {
	const document = parseYaml(text, file, {exitCode: 2});
	if (document === undefined || document === null) return base;
	if (typeof document !== 'object' || Array.isArray(document)) throw new AmpError(`${file}:1: expected a mapping of answers, like "title: My instance"`, 2);
	const lines = text.split('\n');
	const fail = (key: string, why: string): never => {
		const index = lines.findIndex(line => line.startsWith(`${key}:`));
		throw new AmpError(`${file}:${index === -1 ? 1 : index + 1}: ${key} ${why}`, 2);
	};
	const answers: InitAnswers = {...base, ports: {...base.ports, ampnode: [...base.ports.ampnode]}};
	for (const [key, value] of Object.entries(document as Record<string, unknown>)) {
		const textField = textKeys[key];
		const portField = portKeys[key];
		if (textField) {
			if (typeof value !== 'string' && typeof value !== 'number') fail(key, 'must be a string');
			(answers as unknown as Record<string, string>)[textField] = String(value);
		} else if (portField) {
			if (typeof value !== 'number' || !Number.isInteger(value)) fail(key, 'must be a port number');
			answers.ports[portField] = value as number;
		} else if (key === 'ampnode_ports') {
			const list = typeof value === 'number' ? [value] : value;
			if (!Array.isArray(list) || !list.every(entry => typeof entry === 'number' && Number.isInteger(entry))) fail(key, 'must be a list of port numbers');
			answers.ports.ampnode = list as number[];
		} else if (!madeByInit.has(key)) {
			fail(key, `is not an answer; the answers are ${[...Object.keys(textKeys), ...Object.keys(portKeys), 'ampnode_ports'].join(', ')}`);
		}
	}
	return answers;
}
