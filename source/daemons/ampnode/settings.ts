import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {parseYaml} from '../../../services/config/yaml-text.js';
import {AmpError} from '../../../services/errors.js';

/** What `ampnode/ampnode.yaml` says: the service modules to mount and where the page templates are. */
export interface AmpnodeSettings {
	/** Module paths relative to the ampnode directory, loaded in this order. */
	services: string[];
	/** Absolute path of the templates directory. */
	templates: string;
	/** The template served at / to a signed-in user. */
	home: string;
	/** Seconds the keyspace registration outlives a dead ampnode. */
	leaseTtlSeconds: number;
}

export async function readAmpnodeSettings(ampnodeDirectory: string): Promise<AmpnodeSettings> {
	const file = path.join(ampnodeDirectory, 'ampnode.yaml');
	let source: string;
	try {
		source = await readFile(file, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
			throw new AmpError(`${file} is missing: recreate it with \`ampzero init NAME --clobber\``);
		}
		throw error;
	}
	const document = parseYaml(source, file);
	const record = (document ?? {}) as Record<string, unknown>;
	const services = record['services'] ?? [];
	if (!Array.isArray(services) || !services.every(entry => typeof entry === 'string')) {
		throw new AmpError(`${file}: services must be a list of module paths such as services/hello.js`);
	}
	const text = (key: string, fallback: string): string => {
		const value = record[key] ?? fallback;
		if (typeof value !== 'string' || value === '') throw new AmpError(`${file}: ${key} must be a non-empty string`);
		return value;
	};
	const ttl = record['lease_ttl_seconds'] ?? 5;
	if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 2 || ttl > 300) {
		throw new AmpError(`${file}: lease_ttl_seconds must be a whole number from 2 to 300`);
	}
	return {
		services: services,
		templates: path.resolve(ampnodeDirectory, text('templates', 'templates')),
		home: text('home', 'home.html'),
		leaseTtlSeconds: ttl,
	};
}
