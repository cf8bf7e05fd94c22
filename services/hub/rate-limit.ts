import {isIPv4} from 'node:net';

export interface RegistrationLimits {
	/** Registrations one source address may make per window. */
	perSource: number;
	/** Registrations one network (an IPv4 /24, an IPv6 /64) may make per window (default three times `perSource`). */
	perNetwork?: number;
	/** Registrations from everyone together per window: a bound on how fast the hub's state can grow, far above any honest rate. */
	total: number;
	windowMs?: number;
}

export type LimitDecision = {ok: true} | {ok: false; retryAfterSeconds: number; reason: string};

/** The network an address belongs to, for the per-network budget: its /24 (IPv4) or /64 (IPv6). */
export function networkOf(address: string): string {
	const plain = address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
	if (isIPv4(plain)) return `${plain.split('.').slice(0, 3).join('.')}.0/24`;
	const groups = expandIPv6(plain);
	return groups === undefined ? plain : `${groups.slice(0, 4).join(':')}::/64`;
}

function expandIPv6(address: string): string[] | undefined {
	const [head = '', tail] = address.split('::');
	const left = head === '' ? [] : head.split(':');
	const right = tail === undefined || tail === '' ? [] : tail.split(':');
	const missing = 8 - left.length - right.length;
	if (missing < 0 || (tail === undefined && missing !== 0)) return undefined;
	return [...left, ...Array.from({length: missing}, () => '0'), ...right].map(group => group.toLowerCase().replace(/^0+(?=.)/, ''));
}

/**
 * Sliding windows of accepted registrations: per source address first, then per network, then in
 * total. A source or a network that spends its budget is refused alone; the total is far above
 * honest rates, so it takes many networks at once to reach it. Only accepted registrations are
 * remembered, so memory stays bounded by `total` however many addresses knock.
 */
export class RegistrationLimiter {
	private readonly bySource = new Map<string, number[]>();
	private readonly byNetwork = new Map<string, number[]>();
	private all: number[] = [];
	private readonly windowMs: number;
	private readonly perNetwork: number;

	constructor(private readonly limits: RegistrationLimits) {
		this.windowMs = limits.windowMs ?? 60_000;
		this.perNetwork = limits.perNetwork ?? limits.perSource * 3;
	}

	/** Counts a registration from `source` if the limits allow it now. */
	take(source: string, now = Date.now()): LimitDecision {
		const since = now - this.windowMs;
		this.all = this.all.filter(time => time > since);
		const network = networkOf(source);
		const mine = recent(this.bySource, source, since);
		const ours = recent(this.byNetwork, network, since);
		const per = this.windowMs === 60_000 ? 'a minute' : `per ${this.windowMs / 1000} s`;
		if (mine.length >= this.limits.perSource) {
			return {ok: false, retryAfterSeconds: this.secondsUntilFree(mine, now), reason: `too many registrations from ${source}: at most ${this.limits.perSource} ${per}`};
		}
		if (ours.length >= this.perNetwork) {
			return {ok: false, retryAfterSeconds: this.secondsUntilFree(ours, now), reason: `too many registrations from the network ${network}: at most ${this.perNetwork} ${per}`};
		}
		if (this.all.length >= this.limits.total) {
			return {ok: false, retryAfterSeconds: this.secondsUntilFree(this.all, now), reason: `too many registrations at this hub: at most ${this.limits.total} ${per} in total`};
		}
		mine.push(now);
		ours.push(now);
		this.all.push(now);
		this.bySource.set(source, mine);
		this.byNetwork.set(network, ours);
		return {ok: true};
	}

	private secondsUntilFree(times: number[], now: number): number {
		return Math.max(1, Math.ceil((times[0]! + this.windowMs - now) / 1000));
	}
}

/** The times in `map` under `key` still inside the window (the entry dropped when none are). */
function recent(map: Map<string, number[]>, key: string, since: number): number[] {
	const times = (map.get(key) ?? []).filter(time => time > since);
	if (times.length === 0) map.delete(key);
	else map.set(key, times);
	return times;
}
