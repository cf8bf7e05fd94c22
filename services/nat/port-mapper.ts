/** What a gateway granted: where the world reaches the mapped port. */
export interface GatewayMapping {
	externalIp: string;
	externalPort: number;
	/** This machine's address on the gateway's network, where the gateway forwards to. */
	internalHost: string;
	via: 'UPnP' | 'NAT-PMP';
}

/**
 * The one small interface the NAT bypass needs from a port-mapping library. A mapper holds one
 * gateway and one mapping from `map` until `release`.
 */
export interface PortMapper {
	/** Finds a gateway and maps TCP `port` (the same number outside) for `leaseSeconds`; rejects when no gateway answers before `signal` aborts. */
	map(port: number, leaseSeconds: number, signal: AbortSignal): Promise<GatewayMapping>;
	/** Asks the same gateway again for the same mapping, which extends its lease; the external address may have changed. */
	renew(signal: AbortSignal): Promise<GatewayMapping>;
	/** Removes the mapping and lets go of the gateway. */
	release(signal: AbortSignal): Promise<void>;
}

/** No UPnP or NAT-PMP gateway answered. */
export class NoGateway extends Error {}
