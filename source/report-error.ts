import {AmpError} from '../services/errors.js';

/**
 * Prints an error that ended a command to stderr, as `WHO: message` and its detail lines (or the
 * stack of one nobody expected), and returns the exit code it calls for.
 */
export function reportError(error: unknown, who: string): number {
	if (error instanceof AmpError) {
		process.stderr.write(`${who}: ${error.message}\n`);
		for (const detail of error.details) process.stderr.write(`  ${detail}\n`);
		return error.exitCode;
	}
	process.stderr.write(`${who}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	return 1;
}
