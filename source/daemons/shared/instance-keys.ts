import {readFileSync} from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import {AmpError} from '../../../services/errors.js';
import type {InstanceConfig} from '../../../services/config/amprun.js';
import {openHub} from '../../../services/hub/open.js';
import type {HubPublicKeyRecord} from '../../../services/keys/identity.js';
import {HubHostKeys, InstanceKeyFiles, type HostKeySource} from './host-keys.js';
import type {Logger} from './logger.js';
import {InstanceMembership} from './membership.js';

/**
 * Which key a host id signs with, checked against the instance's \`ampnode/hub.public.key\`. With a
 * served hub (amprun.yaml \`hub\` a URL): the record that hub holds now, and never the copies in
 * \`ampnode/\`, so a key rotated away at the hub cannot come back while the hub is unreachable (its
 * last answer serves for at most 10 minutes). With the embedded hub, whose state lives only on the
 * machine that made the instance: the records in \`ampnode/\`, which \`hub update\` and
 * \`ampzero members add\` keep current.
 */
export function instanceHostKeys(instanceDirectory: string, config: Pick<InstanceConfig, 'hub'>, logger: Logger): HostKeySource {
	const hubKey = readInstanceHubKey(instanceDirectory);
	if (config.hub === 'embedded') return new InstanceKeyFiles({directory: path.join(instanceDirectory, 'ampnode'), hubKey});
	return new HubHostKeys({hub: openHub(config.hub), hubKey, logger});
}

/** Who may use the instance's zerodata and logstore: the members its owner signed (\`ampnode/members.json\`). */
export function instanceMembership(instanceDirectory: string, config: Pick<InstanceConfig, 'name' | 'userId'>, logger: Logger): InstanceMembership {
	return new InstanceMembership({instanceDirectory, owner: {name: config.name, userId: config.userId}, logger});
}

/** The instance's \`ampnode/hub.public.key\`. */
export function readInstanceHubKey(instanceDirectory: string): HubPublicKeyRecord {
	const hubFile = path.join(instanceDirectory, 'ampnode', 'hub.public.key');
	const hub = readRecord(hubFile) as Partial<HubPublicKeyRecord>;
	if (typeof hub.publicKey !== 'string') throw new AmpError(`${hubFile} has no publicKey; recreate it with \`ampzero init --clobber\``);
	return {hub: hub.hub ?? 'embedded', publicKey: hub.publicKey};
}

function readRecord(file: string): Record<string, unknown> {
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
	} catch (error) {
		throw new AmpError(`cannot read ${file} (${(error as Error).message}); run \`ampzero init\` for this instance first`);
	}
	// JSON is YAML too, so either way of writing the record reads.
	const value = yaml.load(text);
	if (typeof value !== 'object' || value === null) throw new AmpError(`${file} does not hold a key record`);
	return value as Record<string, unknown>;
}
