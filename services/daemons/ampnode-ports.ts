import net from 'node:net';
import type {InstanceConfig} from '../config/amprun.js';
import {leftoverGroup, readPidFiles} from '../supervisor/pid-files.js';
import {outgoingRecords, portOf} from '../supervisor/outgoing-daemons.js';
import {ampnodeDaemonName} from './builtin.js';

/** A port free on `address` now, picked by the system. */
function freePort(address: string): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, address, () => {
			const {port} = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

/**
 * The port each ampnode runs on: its entry of `ampnode_ports`, unless a deploy's outgoing ampnode
 * still serves there (then the new one starts beside it on a port of its own, which the system picks),
 * or a live ampnode that a killed supervisor left serves on another port (then that port, so that the
 * new supervisor adopts it).
 */
export async function ampnodePorts(config: InstanceConfig, pidsDirectory: string): Promise<number[]> {
	const outgoing = new Set(outgoingRecords(pidsDirectory).flatMap(record => portOf(record) ?? []));
	const running = new Map(readPidFiles(pidsDirectory).filter(leftoverGroup).map(record => [record.daemon, portOf(record)]));
	const ports: number[] = [];
	for (const [index, configured] of config.ports.ampnode.entries()) {
		const live = running.get(ampnodeDaemonName(index));
		if (live !== undefined && !outgoing.has(live)) ports.push(live);
		else if (!outgoing.has(configured)) ports.push(configured);
		else {
			let port = await freePort(config.bindAddress);
			while (outgoing.has(port) || ports.includes(port)) port = await freePort(config.bindAddress);
			ports.push(port);
		}
	}
	return ports;
}
