import {createHash} from 'node:crypto';
import {readdirSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {withoutReleaseNames} from '../supervisor/pid-files.js';
import type {DaemonSpec} from '../supervisor/spec.js';

/** The daemons that keep state: a deploy restarts them only when what they run changed (see DaemonSpec.fingerprint). */
export const statefulDaemons: ReadonlySet<string> = new Set(['keyspace', 'redis-live', 'redis-data', 'logstore', 'zerodata', 'postgresql']);

/**
 * Where a daemon's files are read from. `instanceDirectory` is the path the daemons are given (on a
 * deployed host the link `dist/instance`); `readFrom` the directory that holds those files now (a
 * release not yet switched to is read from its own directory).
 */
export interface FingerprintSource {
	instanceDirectory: string;
	readFrom?: string;
}

function isFile(file: string): boolean {
	try {
		return statSync(file).isFile();
	} catch {
		return false;
	}
}

function filesUnder(directory: string): string[] {
	try {
		return readdirSync(directory, {withFileTypes: true})
			.filter(entry => entry.isFile())
			.map(entry => path.join(directory, entry.name))
			.sort();
	} catch {
		return [];
	}
}

/** The files each daemon runs with, beyond those its command line names: for the project's daemons, amprun.yaml, their own directory and the TLS files. */
function ownFiles(spec: DaemonSpec, instanceDirectory: string): string[] {
	if (!['logstore', 'zerodata', 'postgresql'].includes(spec.name)) return [];
	return [
		path.join(instanceDirectory, 'amprun.yaml'),
		...filesUnder(path.join(instanceDirectory, spec.name)),
		...filesUnder(path.join(instanceDirectory, 'tls')),
		...filesUnder(path.join(instanceDirectory, 'tls', 'hosts')),
	];
}

/**
 * A daemon's fingerprint: its command line, environment and working directory, and the content of every
 * file it runs with — the files its command line names, the absolute paths those files name in turn
 * (etcd's certificates), and the project's daemons' own config. Release directory names are left out,
 * so two releases that run a daemon the same way give it the same fingerprint.
 */
export function daemonFingerprint(spec: DaemonSpec, source: FingerprintSource): string {
	const readFrom = source.readFrom ?? source.instanceDirectory;
	const onDisk = (file: string): string => (file === source.instanceDirectory || file.startsWith(`${source.instanceDirectory}/`) ? readFrom + file.slice(source.instanceDirectory.length) : file);
	const hash = createHash('sha256');
	const add = (label: string, text: string): void => {
		hash.update(`${withoutReleaseNames(label)}\0${withoutReleaseNames(text)}\0`);
	};
	add('command', JSON.stringify([path.basename(spec.command), ...spec.args]));
	add('env', JSON.stringify(spec.env ?? {}));
	add('cwd', spec.cwd ?? '');
	const seen = new Set<string>();
	const addFile = (file: string, depth: number): void => {
		if (seen.has(file)) return;
		seen.add(file);
		const real = onDisk(file);
		if (!isFile(real)) return;
		const content = readFileSync(real, 'latin1');
		add(`file ${file}`, content);
		// A config file names the files it needs (certificates, keys): those count too.
		if (depth === 0 && content.length < 1_000_000 && !content.includes('\0')) {
			const instance = `${withoutReleaseNames(source.instanceDirectory)}/`;
			for (const named of content.match(/\/[^\s'",;]+/g) ?? []) if (withoutReleaseNames(named).startsWith(instance)) addFile(named, 1);
		}
	};
	for (const arg of spec.args) if (arg.startsWith('/')) addFile(arg, 0);
	for (const file of ownFiles(spec, source.instanceDirectory)) addFile(file, 1);
	return hash.digest('hex').slice(0, 16);
}

/** Gives every daemon that keeps state its fingerprint. */
export function withFingerprints(specs: DaemonSpec[], source: FingerprintSource): DaemonSpec[] {
	return specs.map(spec => (statefulDaemons.has(spec.name) ? {...spec, fingerprint: daemonFingerprint(spec, source)} : spec));
}
