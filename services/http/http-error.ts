/** A request the daemon refuses: the status and a message the caller can act on. */
export class HttpError extends Error {
	override readonly name = 'HttpError';
	constructor(
		readonly status: number,
		message: string,
		/** With 429 and 503: seconds after which the same request may succeed (the Retry-After header). */
		readonly retryAfterSeconds?: number,
	) {
		super(message);
	}
}
