/** When a crashed daemon is started again, and when it is given up on. */
export interface CrashPolicyOptions {
	initialDelayMs: number;
	maxDelayMs: number;
	/** A process that ran this long before crashing resets the backoff. */
	stableMs: number;
	/** More than this many crashes inside `windowMs` marks the daemon failed. */
	maxCrashes: number;
	windowMs: number;
}

const defaultCrashPolicy: CrashPolicyOptions = {
	initialDelayMs: 500,
	maxDelayMs: 30_000,
	stableMs: 30_000,
	maxCrashes: 5,
	windowMs: 60_000,
};

export type CrashDecision = {action: 'restart'; delayMs: number} | {action: 'fail'; crashesInWindow: number};

/** Exponential backoff with a reset after a stable run, and a crash budget per window. Pure apart from its own memory. */
export class CrashPolicy {
	private crashTimes: number[] = [];
	private consecutive = 0;

	constructor(private readonly options: CrashPolicyOptions = defaultCrashPolicy) {}

	/** A crash at `now` of a process that started at `startedAt`. */
	recordCrash(now: number, startedAt: number): CrashDecision {
		if (now - startedAt >= this.options.stableMs) this.consecutive = 0;
		this.crashTimes = this.crashTimes.filter(time => now - time < this.options.windowMs);
		this.crashTimes.push(now);
		if (this.crashTimes.length > this.options.maxCrashes) {
			return {action: 'fail', crashesInWindow: this.crashTimes.length};
		}
		const delayMs = Math.min(this.options.maxDelayMs, this.options.initialDelayMs * 2 ** this.consecutive);
		this.consecutive += 1;
		return {action: 'restart', delayMs};
	}

	/** A deliberate start (the user's `start`/`restart`) forgives past crashes. */
	reset(): void {
		this.crashTimes = [];
		this.consecutive = 0;
	}
}

/** A restart delay as the user reads it: 250 ms, 2 s, 1.5 s. */
export function formatDelay(ms: number): string {
	return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
}

