import {readFileSync} from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import {AmpError} from '../../../services/errors.js';
import type {HubPublicKeyRecord} from '../../../services/keys/identity.js';

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
