import type {InstanceConfig} from './amprun.js';

/** Where a browser reaches the instance. */
export function frontendUrl(config: Pick<InstanceConfig, 'hostName' | 'ports'>): string {
	return `https://${config.hostName || 'localhost'}:${config.ports.frontend}`;
}
