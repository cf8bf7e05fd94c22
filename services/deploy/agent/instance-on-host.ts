/** The instance's daemons on a host: where its run files, its release's ampzero and its nginx config are. */
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {distDirectory} from './host-files.js';
import {isAlive} from '../../system/proc.js';

export interface InstanceOnHost {
	root: string;
	/** The instance's name (amprun.yaml instance_name): its run files live in `<root>/var/<name>/`. */
	name: string;
	setup: 'single' | 'server';
	/** The instance's hub setting: an embedded hub lives on the deploying machine, so the host does not announce. */
	embeddedHub: boolean;
	timeoutMs: number;
	/** The entry of amprun.yaml `hosts:` this host is (`run --as`); absent for a single-machine instance. */
	as?: string;
}

export function runDirectory(target: InstanceOnHost): string {
	return path.join(target.root, 'var', target.name);
}

export function ampzeroOf(target: InstanceOnHost): string {
	return path.join(distDirectory(target.root), 'ampify', 'bin', 'ampzero');
}

export function instanceOf(target: InstanceOnHost): string {
	return path.join(distDirectory(target.root), 'instance');
}

/** The nginx config this host's frontend runs with: its own (`nginx/nginx-HOST.conf`) on a host of `hosts:`. */
export function nginxConfigOf(target: InstanceOnHost): string {
	return path.join(instanceOf(target), 'nginx', target.as ? `nginx-${target.as}.conf` : 'nginx.conf');
}

/** The environment of `ampzero run` on this host: non-interactive, and which host of `hosts:` it is. */
export function runEnvironment(target: InstanceOnHost, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
	return {...process.env, CI: 'true', ...(target.as ? {AMPZERO_HOST: target.as} : {}), ...extra};
}

export function readPid(file: string): number | undefined {
	try {
		const pid = Number(readFileSync(file, 'utf8').trim().split('\n')[0]);
		return pid > 0 && isAlive(pid) ? pid : undefined;
	} catch {
		return undefined;
	}
}

export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await new Promise(resolve => setTimeout(resolve, 25));
	}
}

export function supervisorRunning(target: InstanceOnHost): boolean {
	return readPid(path.join(runDirectory(target), 'supervisor.pid')) !== undefined;
}
