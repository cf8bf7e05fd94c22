import type {InstanceConfig} from '../config/amprun.js';
import {errorMessage} from '../errors.js';
import {announceHost} from '../hub/announce.js';

/** The hub announce as `run` does it: bounded in time, a line for the user, never a failed run. */
export async function announceHostBriefly(config: InstanceConfig, instanceDirectory: string, address: string, timeoutMs = 5000): Promise<string> {
	const controller = new AbortController();
	let timer: NodeJS.Timeout | undefined;
	try {
		await Promise.race([
			announceHost(instanceDirectory, config, address, controller.signal),
			new Promise((_, reject) => {
				timer = setTimeout(() => {
					controller.abort();
					reject(new Error(`no answer within ${timeoutMs / 1000} s`));
				}, timeoutMs);
			}),
		]);
		return `hub: announced host ${config.hostId} at ${address} (${config.hub} hub)`;
	} catch (error) {
		return `hub: could not announce host ${config.hostId} (${errorMessage(error)}); run with --no-hub to skip`;
	} finally {
		clearTimeout(timer);
	}
}
