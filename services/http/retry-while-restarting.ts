import {AmpError} from '../errors.js';

/**
 * A daemon killed under load is restarted by the supervisor within about a second: its clients
 * (ampnode's zerodata and logstore clients, the logstore batcher behind them) send a request that
 * met it down again, a few times over a bounded time, rather than fail their caller at once.
 */
export interface RetryBudget {
	/** Longest time spent retrying one request, from its first attempt. */
	totalMs: number;
	firstDelayMs: number;
	maxDelayMs: number;
}

export const restartBudget: RetryBudget = {totalMs: 10_000, firstDelayMs: 50, maxDelayMs: 500};

/** Network errors of a daemon that is down or restarting (refused, reset, closed mid-answer). */
const transientCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ENOTCONN', 'ENOENT']);

/** Whether a failed request may pass once the daemon is back: a connection it refused or dropped, or a 502/503 answer. */
export function isTransient(error: unknown): boolean {
	const {code, status} = (error ?? {}) as {code?: unknown; status?: unknown};
	if (typeof code === 'string' && transientCodes.has(code)) return true;
	if (status === 502 || status === 503) return true;
	return error instanceof Error && error.message === 'socket hang up';
}

/**
 * Runs `attempt` until it succeeds, fails for good (not transient), or the budget is spent; waits
 * between attempts from `firstDelayMs`, doubling up to `maxDelayMs`. Each attempt is a new request
 * (signed afresh: a signed request is never sent twice).
 */
export async function retryWhileRestarting<T>(attempt: () => Promise<T>, budget: RetryBudget = restartBudget, transient: (error: unknown) => boolean = isTransient): Promise<T> {
	const deadline = Date.now() + budget.totalMs;
	let delay = budget.firstDelayMs;
	for (;;) {
		try {
			return await attempt();
		} catch (error) {
			if (!transient(error) || Date.now() + delay > deadline) throw error;
			await new Promise(resolve => setTimeout(resolve, delay));
			delay = Math.min(budget.maxDelayMs, delay * 2);
		}
	}
}

/** A daemon that could not be reached: the message says which and what to do; `code` is the network error's (ECONNREFUSED, …). */
export class UnreachableError extends AmpError {
	readonly code: string | undefined;
	constructor(message: string, cause: Error) {
		super(message);
		const code = (cause as NodeJS.ErrnoException).code;
		this.code = code ?? (cause.message === 'socket hang up' ? 'ECONNRESET' : undefined);
	}
}
