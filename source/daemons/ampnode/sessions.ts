import {createHash, randomBytes} from 'node:crypto';
import {parseCookie, stringifySetCookie, type SerializeOptions} from 'cookie';
import type {Redis} from 'ioredis';
import {liveKeys} from '../../../services/daemons/live-redis.js';
import type {LoginGrant} from '../../../services/login.js';
import {base64, type KeyspaceClient} from './keyspace-client.js';

export const sessionCookieName = 'ampzero_session';
export const sessionTtlSeconds = 7 * 24 * 60 * 60;

export interface Session {
	userId: number;
	userName: string;
	createdAt: number;
}

/**
 * Login tokens in the live redis of the host whose frontend the link names (they work once, there);
 * sessions in the instance's keyspace (etcd, replicated over the keyspace members of an instance
 * spread over several hosts), each under a lease of the session's lifetime: a login made on one
 * frontend holds on every frontend of the instance, and survives a redis restart. The key is the
 * sha256 of the session id, so the keyspace holds no cookie a reader could replay.
 */
export class SessionStore {
	constructor(
		private readonly redis: Redis,
		private readonly instance: string,
		private readonly keyspace: KeyspaceClient,
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
		const lease = (await this.keyspace.call('/v3/lease/grant', {TTL: sessionTtlSeconds})) as {ID?: string};
		if (!lease.ID) throw new Error('keyspace granted no lease for the session');
		await this.keyspace.call('/v3/kv/put', {key: base64(this.key(sessionId)), value: base64(JSON.stringify(session)), lease: lease.ID});
		return sessionId;
	}

	async get(sessionId: string | undefined): Promise<Session | undefined> {
		if (sessionId === undefined || !/^[A-Za-z0-9_-]{20,100}$/.test(sessionId)) return undefined;
		const answer = (await this.keyspace.call('/v3/kv/range', {key: base64(this.key(sessionId))})) as {kvs?: Array<{value?: string}>};
		const value = answer.kvs?.[0]?.value;
		return value === undefined ? undefined : (JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as Session);
	}

	/** Removes the session, and its lease with it. */
	async delete(sessionId: string): Promise<void> {
		if (!/^[A-Za-z0-9_-]{20,100}$/.test(sessionId)) return;
		const answer = (await this.keyspace.call('/v3/kv/deleterange', {key: base64(this.key(sessionId)), prev_kv: true})) as {prev_kvs?: Array<{lease?: string}>};
		const lease = answer.prev_kvs?.[0]?.lease;
		if (lease && lease !== '0') await this.keyspace.call('/v3/lease/revoke', {ID: lease}).catch(() => undefined);
	}

	private key(sessionId: string): string {
		return `/ampzero/${this.instance}/session/${createHash('sha256').update(sessionId).digest('hex')}`;
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
