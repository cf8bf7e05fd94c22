/** An error a user can act on: `message` says what went wrong and what to do about it. */
export class AmpError extends Error {
	override readonly name = 'AmpError';
	constructor(
		message: string,
		/** Process exit code when this error ends a command: 1 failure, 2 usage. */
		readonly exitCode: 1 | 2 = 1,
		/** Lines of context shown under the message (a daemon's last log lines, sudo commands, …). */
		readonly details: readonly string[] = [],
	) {
		super(message);
	}
}

export class UsageError extends AmpError {
	constructor(message: string) {
		super(message, 2);
	}
}

export function errorMessage(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
