import path from 'node:path';
import type {InstanceConfig} from '../config/amprun.js';
import {keyFileName, signDetached} from '../keys/identity.js';
import {readPrivateKeyFile} from '../keys/store.js';
import {openHub} from './open.js';
import {announceStatement} from './statements.js';
import type {HostAnnouncement} from './types.js';

let lastSequence = 0;

/**
 * Above every earlier one, across runs too: the clock in milliseconds, or one more than the last
 * when announces come faster than that.
 */
function nextSequence(): number {
	lastSequence = Math.max(lastSequence + 1, Date.now());
	return lastSequence;
}

/** A signed announce of `host:port` for the instance's host. */
async function signAnnouncement(instanceDirectory: string, hostId: number, host: string, port: number): Promise<HostAnnouncement> {
	const file = path.join(instanceDirectory, 'ampnode', keyFileName('host', hostId, 'private'));
	const {secretKey} = await readPrivateKeyFile(file);
	const unsigned = {hostId, host, port, at: new Date().toISOString(), sequence: nextSequence()};
	return {...unsigned, signature: signDetached(announceStatement(unsigned), secretKey)};
}

/** Tells the instance's hub where its host can be reached, signed with the host key: what `ampzero run` does unless `--no-hub`. */
export async function announceHost(instanceDirectory: string, config: Pick<InstanceConfig, 'hub' | 'hostId'>, host: string, port: number, signal?: AbortSignal): Promise<HostAnnouncement> {
	const announcement = await signAnnouncement(instanceDirectory, config.hostId, host, port);
	signal?.throwIfAborted();
	await openHub(config.hub).announce(announcement, signal);
	return announcement;
}
