import type {InitAnswers, InstanceSummary} from '../../services/instance/types.js';

/** Fixed answers, so screens render the same on every machine (no $USER). */
export function fixedAnswers(): InitAnswers {
	return {
		title: 'Demo instance',
		userName: 'ada',
		userEmail: 'ada@example.org',
		hostName: 'localhost',
		ports: {frontend: 8040, http: 8041, keyspaceClient: 8042, keyspacePeer: 8043, redisLive: 8044, redisData: 8045, logstore: 8046, zerodata: 8047, ampnode: [8048]},
		amprunRoot: '/srv/ampzero/var',
		hub: 'embedded',
		setup: 'single',
	};
}

export function fixedSummary(): InstanceSummary {
	return {name: 'demo', path: '/srv/instances/demo', userId: 7, hostId: 12, ports: fixedAnswers().ports, amprunRoot: '/srv/ampzero/var', hub: 'embedded'};
}
