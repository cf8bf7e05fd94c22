import {pmpNat, upnpNat, type Gateway} from '@achingbrain/nat-port-mapper';
import {defaultGateway, localAddressFacing} from './local-network.js';
import {untilAborted} from '../until-aborted.js';
import {NoGateway, type GatewayMapping, type PortMapper} from './port-mapper.js';
import {deadlineSignal} from '../deadline-signal.js';

const description = 'ampzero';

/**
 * A PortMapper over @achingbrain/nat-port-mapper: UPnP IGD first (SSDP discovery), then NAT-PMP
 * at the default gateway. The library's own refresh is off: the keeper renews, so it knows when a
 * renewal fails. UPnP leases are at least an hour (the library's floor); NAT-PMP takes the lease asked.
 * The library's version is pinned exactly: the NAT-PMP lease below depends on how 4.0.5 reads `ttl`.
 */
export class GatewayPortMapper implements PortMapper {
	private gateway: Gateway | undefined;
	private current: (GatewayMapping & {port: number; leaseSeconds: number}) | undefined;

	constructor(
		/** How long UPnP discovery may take before NAT-PMP is tried. */
		private readonly upnpSearchMs = 1500,
	) {}

	async map(port: number, leaseSeconds: number, signal: AbortSignal): Promise<GatewayMapping> {
		const upnpBudget = deadlineSignal(this.upnpSearchMs, signal);
		const viaUpnp = await this.mapWithUpnp(port, leaseSeconds, upnpBudget).catch(() => undefined);
		if (viaUpnp) return viaUpnp;
		signal.throwIfAborted();
		const router = defaultGateway();
		if (!router) throw new NoGateway(`no UPnP/NAT-PMP gateway: none answered UPnP within ${this.upnpSearchMs / 1000} s, and there is no default route to ask by NAT-PMP`);
		const local = localAddressFacing(router);
		if (!local) throw new NoGateway(`no UPnP/NAT-PMP gateway: no local address on the network of the default gateway ${router}`);
		const gateway = pmpNat(router, {autoRefresh: false, description});
		try {
			return await this.grant(gateway, 'NAT-PMP', port, local, leaseSeconds, signal);
		} catch (error) {
			await gateway.stop().catch(() => {});
			throw signal.aborted ? new NoGateway(`no UPnP/NAT-PMP gateway: none answered UPnP, and ${router} did not answer NAT-PMP`) : error;
		}
	}

	async renew(signal: AbortSignal): Promise<GatewayMapping> {
		if (!this.gateway || !this.current) throw new Error('nothing is mapped');
		const {port, internalHost, leaseSeconds, via} = this.current;
		return this.grant(this.gateway, via, port, internalHost, leaseSeconds, signal);
	}

	async release(signal: AbortSignal): Promise<void> {
		const gateway = this.gateway;
		const current = this.current;
		this.gateway = undefined;
		this.current = undefined;
		if (!gateway) return;
		try {
			if (current) await untilAborted(gateway.unmap(current.port, {signal}), signal);
		} finally {
			await untilAborted(gateway.stop({signal}), signal).catch(() => {});
		}
	}

	private async mapWithUpnp(port: number, leaseSeconds: number, signal: AbortSignal): Promise<GatewayMapping | undefined> {
		const client = upnpNat({autoRefresh: false, description});
		for await (const gateway of client.findGateways({signal})) {
			if (gateway.family !== 'IPv4') continue;
			const local = localAddressFacing(gateway.host);
			if (!local) continue;
			try {
				return await this.grant(gateway, 'UPnP', port, local, leaseSeconds, signal);
			} catch {
				await gateway.stop().catch(() => {});
			}
		}
		return undefined;
	}

	private async grant(gateway: Gateway, via: GatewayMapping['via'], port: number, internalHost: string, leaseSeconds: number, signal: AbortSignal): Promise<GatewayMapping> {
		// The library documents `ttl` in milliseconds, and its UPnP side divides by 1000, but its NAT-PMP
		// side (4.0.5) writes the number as seconds into the request: give each side what it really sends.
		const ttl = via === 'NAT-PMP' ? leaseSeconds : leaseSeconds * 1000;
		// The library takes the signal but does not always give up when it aborts (a NAT-PMP gateway
		// gone silent): the wait ends with the signal all the same.
		const mapped = await untilAborted(gateway.map(port, internalHost, {externalPort: port, protocol: 'TCP', ttl, autoRefresh: false, description, signal}), signal);
		// Held from here: a stop while the address is asked for must still remove the mapping.
		this.gateway = gateway;
		this.current = {externalIp: '', externalPort: mapped.externalPort, internalHost, via, port, leaseSeconds};
		const externalIp = await untilAborted(gateway.externalIp({signal}), signal);
		this.current.externalIp = externalIp;
		return {externalIp, externalPort: mapped.externalPort, internalHost, via};
	}
}
