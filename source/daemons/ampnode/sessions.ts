import {randomBytes} from 'node:crypto';
import {parseCookie, stringifySetCookie, type SerializeOptions} from 'cookie';
import type {Redis} from 'ioredis';
import {liveKeys} from '../../../services/daemons/live-redis.js';
import type {LoginGrant} from '../../../services/login.js';

export const sessionCookieName = 'ampzero_session';
export const sessionTtlSeconds = 7 * 24 * 60 * 60;

export interface Session {
	userId: number;
	userName: string;
	createdAt: number;
}

/**
 * Sessions and login tokens in the live redis: every ampnode of the instance sees the same ones,
 * so a browser may land on any of them.
 */
export class SessionStore {
	constructor(
		private readonly redis: Redis,
		private readonly instance: string,
	) {}

	/** The grant behind a login token, removing it so the link works once; undefined if unknown or expired. */
	async consumeLoginToken(token: string): Promise<LoginGrant | undefined> {
		if (!/^[A-Za-z0-9_-]{16,100}$/.test(token)) return undefined;
		const text = await this.redis.getdel(liveKeys.loginToken(this.instance, token));
		return text === null ? undefined : (JSON.parse(text) as LoginGrant);
	}

	async create(grant: LoginGrant): Promise<string> {
		const sessionId = randomBytes(32).toString('base64url');
		const session: Session = {userId: grant.userId, userName: grant.userName, createdAt: Date.now()};
		await this.redis.set(liveKeys.session(this.instance, sessionId), JSON.stringify(session), 'EX', sessionTtlSeconds);
		return sessionId;
	}

	async get(sessionId: string | undefined): Promise<Session | undefined> {
		if (sessionId === undefined || !/^[A-Za-z0-9_-]{20,100}$/.test(sessionId)) return undefined;
		const text = await this.redis.get(liveKeys.session(this.instance, sessionId));
		return text === null ? undefined : (JSON.parse(text) as Session);
	}

	async delete(sessionId: string): Promise<void> {
		await this.redis.del(liveKeys.session(this.instance, sessionId));
	}
}

const sessionCookieOptions: SerializeOptions = {path: '/', httpOnly: true, secure: true, sameSite: 'lax'};

export function sessionCookie(sessionId: string): string {
	return stringifySetCookie(sessionCookieName, sessionId, {...sessionCookieOptions, maxAge: sessionTtlSeconds});
}

export const clearedSessionCookie = stringifySetCookie(sessionCookieName, '', {...sessionCookieOptions, maxAge: 0});

/** One cookie of a Cookie header, parsed by the `cookie` package (percent-encoded values decoded). */
export function readCookie(header: string | undefined, name: string): string | undefined {
	if (!header) return undefined;
	return parseCookie(header)[name] || undefined;
}
