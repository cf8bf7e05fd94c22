import {randomBytes} from 'node:crypto';
import type {InstanceConfig} from './config/amprun.js';
import {connectLiveRedis, liveKeys} from './daemons/live-redis.js';
import {frontendUrl} from './config/urls.js';
import {AmpError, errorMessage} from './errors.js';

/** How long a login link works, and that it works once. */
export const loginTokenTtlSeconds = 15 * 60;

/** What a login token stands for: the instance's user. */
export interface LoginGrant {
	userId: number;
	userName: string;
	createdAt: number;
}

/**
 * A one-time login link for the instance's user: a random token kept in the live redis for
 * 15 minutes, consumed by ampnode's `GET /login?token=…`. The live redis must be running.
 */
export async function createLoginLink(config: InstanceConfig, instanceDirectory: string): Promise<string> {
	void instanceDirectory;
	const token = randomBytes(24).toString('base64url');
	const grant: LoginGrant = {userId: config.userId, userName: config.userName, createdAt: Date.now()};
	const redis = connectLiveRedis(config);
	try {
		await redis.connect();
		await redis.set(liveKeys.loginToken(config.name, token), JSON.stringify(grant), 'EX', loginTokenTtlSeconds);
	} catch (error) {
		throw new AmpError(
			`cannot store a login link in the live redis at ${config.bindAddress}:${config.ports.redisLive} (${errorMessage(error)}); start the instance with \`ampzero run ${config.name}\` first`,
		);
	} finally {
		redis.disconnect();
	}
	return `${frontendUrl(config)}/login?token=${token}`;
}

