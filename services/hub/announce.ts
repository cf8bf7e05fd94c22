import path from 'node:path';
import type {InstanceConfig} from '../config/amprun.js';
import {keyFileName, signDetached} from '../keys/identity.js';
import {readPrivateKeyFile} from '../keys/store.js';
import {openHub} from './open.js';
import {announceStatement} from './statements.js';

/**
 * Tells the instance's hub where its host can be reached (`host:port`), signed with the host key.
 * What `ampzero run` does at start unless `--no-hub`.
 */
export async function announceHost(instanceDirectory: string, config: Pick<InstanceConfig, 'hub' | 'hostId'>, address: string, signal?: AbortSignal): Promise<void> {
	const file = path.join(instanceDirectory, 'ampnode', keyFileName('host', config.hostId, 'private'));
	const {secretKey} = await readPrivateKeyFile(file);
	const at = new Date().toISOString();
	signal?.throwIfAborted();
	await openHub(config.hub).announce(config.hostId, address, at, signDetached(announceStatement(config.hostId, address, at), secretKey));
}
