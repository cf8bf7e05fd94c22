import type {InstanceConfig} from './amprun.js';
import {urlHost} from './hosts.js';

/** Where a browser reaches the instance (no trailing slash): on a host of `hosts:`, that host's own frontend address. */
export function frontendUrl(config: Pick<InstanceConfig, 'hostName' | 'ports' | 'placement'>): string {
	const host = config.placement ? urlHost(config.placement.host.address) : config.hostName || 'localhost';
	return `https://${host}:${config.ports.frontend}`;
}
