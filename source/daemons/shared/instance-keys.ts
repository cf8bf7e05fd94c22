import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import {AmpError} from '../../../services/errors.js';
import type {InstanceConfig} from '../../../services/config/amprun.js';
import {openHub} from '../../../services/hub/open.js';
import type {HubPublicKeyRecord, PublicKeyRecord} from '../../../services/keys/identity.js';
import {HubHostKeys} from './host-keys.js';
import type {Logger} from './logger.js';

/**
 * Whose signed requests zerodata and logstore accept: any host whose key record the instance's hub
 * (amprun.yaml \`hub\`) signed, checked against the instance's \`ampnode/hub.public.key\`. The host
 * key records in \`ampnode/\` serve only while the hub cannot be reached.
 */
export function instanceHostKeys(instanceDirectory: string, config: Pick<InstanceConfig, 'hub'>, logger: Logger): HubHostKeys {
	const {hub, hosts} = readInstanceHostKeys(instanceDirectory);
	return new HubHostKeys({hub: openHub(config.hub), hubKey: hub, fallback: hosts, logger});
}

/** The hub key and every host public key of an instance's `ampnode/` directory. */
export function readInstanceHostKeys(instanceDirectory: string): {hub: HubPublicKeyRecord; hosts: PublicKeyRecord[]} {
	const directory = path.join(instanceDirectory, 'ampnode');
	const hubFile = path.join(directory, 'hub.public.key');
	const hub = readRecord(hubFile) as Partial<HubPublicKeyRecord>;
	if (typeof hub.publicKey !== 'string') throw new AmpError(`${hubFile} has no publicKey; recreate it with \`ampzero init --clobber\``);
	let names: string[];
	try {
		names = readdirSync(directory);
	} catch (error) {
		throw new AmpError(`cannot list ${directory} (${(error as Error).message}); is ${instanceDirectory} an instance made by \`ampzero init\`?`);
	}
	const hosts = names
		.filter(name => /^host-\d+\.public\.key$/.test(name))
		.map(name => {
			const file = path.join(directory, name);
			const record = readRecord(file) as Partial<PublicKeyRecord>;
			if (typeof record.publicKey !== 'string' || typeof record.hubSignature !== 'string' || typeof record.id !== 'number') {
				throw new AmpError(`${file} is not a public key record (kind, id, publicKey, hubSignature)`);
			}
			return {kind: record.kind ?? 'host', id: record.id, publicKey: record.publicKey, hubSignature: record.hubSignature};
		});
	return {hub: {hub: hub.hub ?? 'embedded', publicKey: hub.publicKey}, hosts};
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
