import type {InstanceConfig} from '../config/amprun.js';
import {createLoginLink} from '../login.js';
import {describeMapping, mapPortOnGateway} from '../nat/map-port.js';
import {announceHostBriefly} from './announce-host.js';
import type {RunFlags} from './plan-file.js';
import type {Supervisor} from './supervisor.js';

/**
 * Once every daemon is ready: a login link (when the live redis is part of the run), the NAT
 * mapping and the hub announce. Best effort: each outcome is a notice, none fails the run.
 */
export async function afterReady(supervisor: Supervisor, config: InstanceConfig, instanceDirectory: string, flags: RunFlags): Promise<void> {
	const daemons = new Set(supervisor.statuses().map(status => status.name));
	if (daemons.has('redis-live') && daemons.has('nginx')) {
		try {
			supervisor.updateInfo({loginUrl: await createLoginLink(config, instanceDirectory)});
		} catch (error) {
			supervisor.notice(`login link: ${error instanceof Error ? error.message : String(error)}`);
		}
	}
	let address = `${config.hostName}:${config.ports.frontend}`;
	if (flags.natBypass && !flags.server) {
		const mapping = await mapPortOnGateway(config.ports.frontend, 2000);
		if (mapping.ok) address = `${mapping.externalIp}:${mapping.port}`;
		supervisor.notice(describeMapping(mapping));
	}
	if (flags.hub) supervisor.notice(await announceHostBriefly(config, instanceDirectory, address));
}
