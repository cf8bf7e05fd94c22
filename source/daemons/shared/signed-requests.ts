import type {SignedDaemon} from '../../../services/keys/request-signing.js';
import type {HostKeySource} from './host-keys.js';
import type {MembershipSource} from './membership.js';
import type {NonceLog} from './nonce-log.js';
import {RequestAuth} from './request-auth.js';

/** What a daemon that takes only signed requests (zerodata, logstore) is told about who may sign them. */
export interface SignedRequestOptions {
	/** The instance's name: requests must be signed for it. */
	instance: string;
	/** Who may use it: the instance's members. */
	members: MembershipSource;
	/** Which key each host signs with: the one the instance's hub holds for it. */
	hostKeys: HostKeySource;
	/** How far a request's timestamp may be from this clock (default 30 s). */
	timestampWindowMs?: number;
}

/** The signed-request check of one daemon; `nonces` remembers the requests it accepted. */
export function signedRequestChecker(daemon: SignedDaemon, options: SignedRequestOptions, nonces: NonceLog): RequestAuth {
	return new RequestAuth({
		daemon,
		instance: options.instance,
		members: options.members,
		hostKeys: options.hostKeys,
		nonces,
		...(options.timestampWindowMs !== undefined ? {windowMs: options.timestampWindowMs} : {}),
	});
}
