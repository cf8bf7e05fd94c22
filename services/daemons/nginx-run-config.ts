import {readFileSync} from 'node:fs';
import path from 'node:path';
import type {InstanceConfig} from '../config/amprun.js';
import {runPaths} from '../config/paths.js';
import {hostNginxConfFile} from '../instance/templates/daemon-configs.js';
import {writeFileAtomicSync} from '../system/atomic-write.js';
import {leftoverGroup, readPidFiles} from '../supervisor/pid-files.js';

/** The instance's own nginx config: nginx/nginx.conf, or on a host of `hosts:` that host's. */
export function instanceNginxConfig(config: InstanceConfig, instanceDirectory: string): string {
	const placed = config.placement?.host;
	return path.join(instanceDirectory, placed ? hostNginxConfFile(placed.name) : 'nginx/nginx.conf');
}

/** What nginx runs with: a copy of the instance's config in the run directory (`run` writes it). */
export function runNginxConfig(config: InstanceConfig): string {
	return path.join(runPaths(config).nginxPrefix, 'nginx.conf');
}

function escaped(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Writes the config nginx runs with: the instance's own, its upstream servers moved from
 * `ampnode_ports` onto the ports the ampnodes really run on (`ports`, the same order). A deploy
 * starts the new ampnodes beside the old ones on ports of their own and then reloads nginx onto
 * this file: the switch. Returns whether the file changed.
 */
export function writeRunNginxConfig(config: InstanceConfig, instanceDirectory: string, ports: readonly number[]): boolean {
	let text = readFileSync(instanceNginxConfig(config, instanceDirectory), 'utf8');
	// Two passes, through a mark, so that one ampnode's new port can be another's configured one.
	config.ports.ampnode.forEach((configured, index) => {
		text = text.replace(new RegExp(`(\\bserver\\s+${escaped(config.bindAddress)}):${configured}(?!\\d)`, 'g'), `$1:\u0000${index}\u0000`);
	});
	text = text.replace(/\u0000(\d+)\u0000/g, (_whole, index: string) => String(ports[Number(index)]));
	const file = runNginxConfig(config);
	let before: string | undefined;
	try {
		before = readFileSync(file, 'utf8');
	} catch {
		before = undefined;
	}
	if (before === text) return false;
	// Only nginx's master (the same user as `run`) reads it.
	writeFileAtomicSync(file, text, 0o600);
	return true;
}

/** Sends the nginx whose pid file is in `pidsDirectory`, if it still runs, a reload (HUP). */
export function reloadLeftNginx(pidsDirectory: string): void {
	const record = readPidFiles(pidsDirectory).find(each => each.daemon === 'nginx');
	if (record && leftoverGroup(record)) process.kill(record.pid, 'SIGHUP');
}
