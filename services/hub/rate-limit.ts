export interface RegistrationLimits {
	/** Registrations one source address may make per window. */
	perSource: number;
	/** Registrations from everyone together per window. */
	total: number;
	windowMs?: number;
}

export type LimitDecision = {ok: true} | {ok: false; retryAfterSeconds: number; reason: string};

/**
 * A sliding window of accepted registrations, per source address and in total. Only accepted ones
 * are remembered, so memory stays bounded by `total` however many addresses knock.
 */
export class RegistrationLimiter {
	private readonly bySource = new Map<string, number[]>();
	private all: number[] = [];
	private readonly windowMs: number;

	constructor(private readonly limits: RegistrationLimits) {
		this.windowMs = limits.windowMs ?? 60_000;
	}

	/** Counts a registration from `source` if the limits allow it now. */
	take(source: string, now = Date.now()): LimitDecision {
		const since = now - this.windowMs;
		this.all = this.all.filter(time => time > since);
		const mine = (this.bySource.get(source) ?? []).filter(time => time > since);
		if (mine.length === 0) this.bySource.delete(source);
		else this.bySource.set(source, mine);
		const minutes = this.windowMs === 60_000 ? 'a minute' : `per ${this.windowMs / 1000} s`;
		if (mine.length >= this.limits.perSource) {
			return {ok: false, retryAfterSeconds: this.secondsUntilFree(mine, now), reason: `too many registrations from ${source}: at most ${this.limits.perSource} ${minutes}`};
		}
		if (this.all.length >= this.limits.total) {
			return {ok: false, retryAfterSeconds: this.secondsUntilFree(this.all, now), reason: `too many registrations at this hub: at most ${this.limits.total} ${minutes} in total`};
		}
		mine.push(now);
		this.all.push(now);
		this.bySource.set(source, mine);
		return {ok: true};
	}

	private secondsUntilFree(times: number[], now: number): number {
		return Math.max(1, Math.ceil((times[0]! + this.windowMs - now) / 1000));
	}
}
