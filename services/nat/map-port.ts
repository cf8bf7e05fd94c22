import {createRequire} from 'node:module';
import type NatAPIType from 'nat-api';
import {errorMessage} from '../errors.js';

export type PortMapping = {ok: true; externalIp: string; port: number} | {ok: false; reason: string};

const require = createRequire(import.meta.url);

/**
 * Best effort: asks a UPnP or NAT-PMP gateway for the external address and to forward `port`
 * (TCP) to this machine. Never throws; gives up after `timeoutMs`.
 */
export async function mapPortOnGateway(port: number, timeoutMs = 3000): Promise<PortMapping> {
	let client: NatAPIType | undefined;
	try {
		const NatAPI = require('nat-api') as typeof NatAPIType;
		client = new NatAPI({description: 'ampzero', enablePMP: true, autoUpdate: false});
		const nat = client;
		const attempt = new Promise<PortMapping>(resolve => {
			nat.externalIp((ipError, externalIp) => {
				if (ipError || !externalIp) {
					resolve({ok: false, reason: 'no UPnP/NAT-PMP gateway found'});
					return;
				}
				nat.map({publicPort: port, privatePort: port, protocol: 'TCP'}, mapError => {
					resolve(mapError ? {ok: false, reason: `the gateway at ${externalIp} refused to map port ${port}: ${errorMessage(mapError)}`} : {ok: true, externalIp, port});
				});
			});
		});
		let timer: NodeJS.Timeout | undefined;
		const timeout = new Promise<PortMapping>(resolve => {
			timer = setTimeout(() => resolve({ok: false, reason: 'no UPnP/NAT-PMP gateway found'}), timeoutMs);
		});
		const outcome = await Promise.race([attempt, timeout]);
		clearTimeout(timer);
		return outcome;
	} catch (error) {
		return {ok: false, reason: `port mapping unavailable: ${errorMessage(error)}`};
	} finally {
		try {
			client?.destroy();
		} catch {
			// Closing a client that never found a gateway may throw; nothing is held.
		}
	}
}

export function describeMapping(mapping: PortMapping): string {
	return mapping.ok ? `NAT: port ${mapping.port} mapped; reachable at ${mapping.externalIp}:${mapping.port}` : `NAT: ${mapping.reason}`;
}
