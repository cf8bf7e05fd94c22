import {Redis} from 'ioredis';
import type {InstanceConfig} from '../config/amprun.js';

/** A connection to the instance's live redis (sessions, login tokens), over loopback with its password. */
export function connectLiveRedis(config: Pick<InstanceConfig, 'bindAddress' | 'ports' | 'redisPassword'>): Redis {
	return new Redis({
		host: config.bindAddress,
		port: config.ports.redisLive,
		password: config.redisPassword,
		lazyConnect: true,
		maxRetriesPerRequest: 2,
		connectTimeout: 3_000,
		// A restarted redis comes back within the supervisor's backoff; keep trying, but not in a hot loop.
		retryStrategy: attempt => Math.min(attempt * 200, 2_000),
	});
}

/** Key names in the live redis, namespaced by instance so instances may share a server. */
export const liveKeys = {
	loginToken: (instance: string, token: string): string => `ampzero:${instance}:login:${token}`,
	session: (instance: string, sessionId: string): string => `ampzero:${instance}:session:${sessionId}`,
};
