import {execFile} from 'node:child_process';
import {existsSync} from 'node:fs';
import {chmod, chown, mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {loadInstanceConfig, type InstanceConfig} from '../../services/config/amprun.js';
import {daemonUser} from '../../services/daemons/daemon-user.js';
import {freePorts} from './ports.js';

/** Run as root the daemons run as the daemon user, who must enter the (0700) temp directory: through its group, as a user would set it up. */
export async function letDaemonUserIn(directory: string): Promise<void> {
	const user = daemonUser();
	if (!user) return;
	await chown(directory, 0, user.gid);
	await chmod(directory, 0o750);
}

/** The checkout: the nearest directory above this file with bin/ampzero (benchmarks run this file compiled, from dist/test/helpers/). */
export const checkoutDirectory = findCheckout(path.dirname(fileURLToPath(import.meta.url)));

function findCheckout(start: string): string {
	for (let directory = start; path.dirname(directory) !== directory; directory = path.dirname(directory)) {
		if (existsSync(path.join(directory, 'bin', 'ampzero'))) return directory;
	}
	return path.resolve(start, '../..');
}
export const ampzeroBin = path.join(checkoutDirectory, 'bin', 'ampzero');

export interface CliResult {
	code: number;
	stdout: string;
	stderr: string;
}

/** Runs the built CLI (`npm run build` first) with `AMPZERO_HOME` set, never throwing on a non-zero exit. */
export function runAmpzero(args: string[], options: {home: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string}): Promise<CliResult> {
	return new Promise(resolve => {
		execFile(
			process.execPath,
			[ampzeroBin, ...args],
			{env: {...process.env, AMPZERO_HOME: options.home, ...options.env}, timeout: options.timeoutMs ?? 30_000, ...(options.cwd ? {cwd: options.cwd} : {})},
			(error, stdout, stderr) => {
				const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
				resolve({code, stdout: String(stdout), stderr: String(stderr)});
			},
		);
	});
}

export interface TestInstance {
	/** The instance directory, `<temp>/<name>`. */
	directory: string;
	config: InstanceConfig;
	/** AMPZERO_HOME of this instance (the embedded hub's state is under `<home>/hub`). */
	home: string;
	/** The temp directory holding everything: the instance, home and the amprun root `var/`. */
	root: string;
	/** Removes the temp directory. Stop any daemons first. */
	cleanup(): Promise<void>;
}

export interface TestInstanceOptions {
	name?: string;
	/** How many ampnodes (each gets a free port). Default 1. */
	ampnodes?: number;
	/** More flags for `ampzero init`, e.g. ['--hub', url] or ['--setup', 'server']. */
	extraArgs?: string[];
}

/**
 * Makes a complete instance the way a user would, with `ampzero init --batch`, in a fresh temp
 * directory: every port free right now, the amprun root and AMPZERO_HOME inside the temp directory.
 */
export async function makeTestInstance(options: TestInstanceOptions = {}): Promise<TestInstance> {
	const root = await mkdtemp(path.join(os.tmpdir(), 'ampzero-test-'));
	await letDaemonUserIn(root);
	const cleanup = (): Promise<void> => rm(root, {recursive: true, force: true});
	try {
		const name = options.name ?? 'demo';
		const directory = path.join(root, name);
		const home = path.join(root, 'home');
		const ampnodes = options.ampnodes ?? 1;
		const ports = await freePorts(8 + ampnodes);
		const port = (index: number): string => String(ports[index]);
		const args = [
			'init', directory, '--batch', '--amprun-root', path.join(root, 'var'),
			'--frontend-port', port(0), '--http-port', port(1),
			'--keyspace-client-port', port(2), '--keyspace-peer-port', port(3),
			'--redis-live-port', port(4), '--redis-data-port', port(5),
			'--logstore-port', port(6), '--zerodata-port', port(7),
			'--ampnode-ports', ports.slice(8).join(','),
			...(options.extraArgs ?? []),
		];
		const result = await runAmpzero(args, {home});
		if (result.code !== 0) throw new Error(`ampzero ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
		return {directory, config: await loadInstanceConfig(directory), home, root, cleanup};
	} catch (error) {
		await cleanup();
		throw error;
	}
}
