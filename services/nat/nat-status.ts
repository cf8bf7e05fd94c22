/** Where the NAT bypass stands: searching for a gateway, mapped, renewing the lease, lost it, or none found. */
type NatState = 'searching' | 'mapped' | 'renewing' | 'lost' | 'none';

export interface NatStatus {
	state: NatState;
	/** The gateway's external address, once known. */
	externalIp?: string;
	/** The external port mapped to the frontend port. */
	port?: number;
	via?: 'UPnP' | 'NAT-PMP';
	/** Why none or lost, in words a user can act on. */
	reason?: string;
}

/** One line for a notice, `--batch` and `status`. */
export function describeNat(status: NatStatus): string {
	switch (status.state) {
		case 'searching':
			return 'NAT: looking for a UPnP/NAT-PMP gateway';
		case 'mapped':
			return `NAT: port ${status.port} mapped via ${status.via}; reachable at ${status.externalIp}:${status.port}`;
		case 'renewing':
			return `NAT: renewing the mapping of port ${status.port}`;
		case 'lost':
			return `NAT: lost the mapping of port ${status.port} (${status.reason}); retrying`;
		case 'none':
			return `NAT: ${status.reason}`;
	}
}

/** The header's short form: `NAT 203.0.113.9:8040`, `NAT lost`, `NAT none`. */
export function shortNat(status: NatStatus): string {
	if (status.state === 'mapped' || status.state === 'renewing') return `NAT ${status.externalIp}:${status.port}${status.state === 'renewing' ? ' (renewing)' : ''}`;
	return `NAT ${status.state === 'searching' ? 'searching…' : status.state}`;
}
