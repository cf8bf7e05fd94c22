import {readFileSync} from 'node:fs';
import os from 'node:os';

/** The IPv4 default gateway from the kernel's routing table, or undefined when there is no default route. */
export function defaultGateway(routeTable = '/proc/net/route'): string | undefined {
	let text: string;
	try {
		text = readFileSync(routeTable, 'utf8');
	} catch {
		return undefined;
	}
	for (const line of text.split('\n').slice(1)) {
		const [, destination, gateway, flags] = line.trim().split(/\s+/);
		// Destination 0.0.0.0 with the gateway flag (0x2) set: the default route; the table is little-endian hex.
		if (destination !== '00000000' || !gateway || (Number.parseInt(flags ?? '0', 16) & 2) === 0) continue;
		const value = Number.parseInt(gateway, 16);
		return [value & 255, (value >>> 8) & 255, (value >>> 16) & 255, value >>> 24].join('.');
	}
	return undefined;
}

/** This machine's IPv4 address on the network `peer` is on (the one a gateway forwards to). */
export function localAddressFacing(peer: string): string | undefined {
	const target = toNumber(peer);
	for (const addresses of Object.values(os.networkInterfaces())) {
		for (const address of addresses ?? []) {
			if (address.family !== 'IPv4' || address.internal) continue;
			const mask = toNumber(address.netmask);
			if (((toNumber(address.address) ^ target) & mask) === 0) return address.address;
		}
	}
	return undefined;
}

function toNumber(ip: string): number {
	return ip.split('.').reduce((sum, part) => ((sum << 8) | Number(part)) >>> 0, 0);
}
