/** Every port an instance uses, by role. Defaults are one contiguous block from 8040. */
export interface PortMap {
	frontend: number;
	http: number;
	keyspaceClient: number;
	keyspacePeer: number;
	redisLive: number;
	redisData: number;
	logstore: number;
	zerodata: number;
	/** One ampnode per port; several run behind one nginx. */
	ampnode: number[];
}

export const defaultPorts: PortMap = {
	frontend: 8040,
	http: 8041,
	keyspaceClient: 8042,
	keyspacePeer: 8043,
	redisLive: 8044,
	redisData: 8045,
	logstore: 8046,
	zerodata: 8047,
	ampnode: [8048],
};

export const portLabels: Record<keyof PortMap, string> = {
	frontend: 'frontend HTTPS port',
	http: 'HTTP redirect port',
	keyspaceClient: 'keyspace client port',
	keyspacePeer: 'keyspace peer port',
	redisLive: 'redis live port',
	redisData: 'redis data port',
	logstore: 'logstore port',
	zerodata: 'zerodata port',
	ampnode: 'ampnode port(s)',
};

/** Every port in the map, flattened with the role it serves. */
export function listPorts(ports: PortMap): Array<{role: keyof PortMap; port: number}> {
	const list: Array<{role: keyof PortMap; port: number}> = [];
	for (const role of Object.keys(ports) as Array<keyof PortMap>) {
		const value = ports[role];
		for (const port of Array.isArray(value) ? value : [value]) list.push({role, port});
	}
	return list;
}
