/** A request the daemon refuses: the status and a message the caller can act on. */
export class HttpError extends Error {
	override readonly name = 'HttpError';
	constructor(
		readonly status: number,
		message: string,
	) {
		super(message);
	}
}
