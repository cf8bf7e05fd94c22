import {Redis} from 'ioredis';
import type {InstanceConfig} from '../config/amprun.js';

/** A connection to the instance's live redis (login tokens and pub/sub; sessions live in the keyspace), over loopback with its password. */
export function connectLiveRedis(config: Pick<InstanceConfig, 'bindAddress' | 'ports' | 'redisPassword'>): Redis {
	return new Redis({
		host: config.bindAddress,
		port: config.ports.redisLive,
		password: config.redisPassword,
		lazyConnect: true,
		// A command sent while redis restarts waits for it (about 6 s of reconnecting: 50 ms, 100 ms, … then
		// every 0.5 s) rather than failing at once: a redis killed under load comes back within the supervisor's backoff.
		maxRetriesPerRequest: 16,
		connectTimeout: 3_000,
		retryStrategy: attempt => Math.min(attempt * 50, 500),
	});
}

/**
 * Connects, waiting up to `timeoutMs` for a redis that is still starting (the supervisor starts
 * ampnode beside it, not after it); rejects with the last connection error after that.
 */
export async function connectWhenUp(redis: Redis, timeoutMs: number): Promise<void> {
	let lastError: unknown;
	const remember = (error: unknown): void => {
		lastError = error;
	};
	redis.on('error', remember);
	try {
		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => {
				redis.off('ready', ready);
				reject(lastError instanceof Error ? lastError : new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`));
			}, timeoutMs);
			const ready = (): void => {
				clearTimeout(timer);
				resolve();
			};
			redis.once('ready', ready);
			// A refused first attempt rejects this; the retry strategy keeps trying, and 'ready' ends the wait.
			redis.connect().catch(remember);
		});
	} finally {
		redis.off('error', remember);
	}
}

/** Key names in the live redis, namespaced by instance so instances may share a server. */
export const liveKeys = {
	loginToken: (instance: string, token: string): string => `ampzero:${instance}:login:${token}`,
};
