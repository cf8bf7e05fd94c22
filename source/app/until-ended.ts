import type {FullscreenApp} from './fullscreen.js';

/** How a screen that reports its end (the dashboard, the fleet view) ended: the exit code and a line saying what happened. */
export interface Ended {
	code: number;
	message: string;
}

/**
 * Runs the app `open` renders until it unmounts, then closes `source` and prints the screen's
 * line, after the terminal is restored so that it stays in the user's scrollback. Resolves with
 * the exit code: the screen's, or 1 when it ended without saying.
 */
export async function runUntilEnded(open: (onEnd: (ended: Ended) => void) => FullscreenApp, source: {close(): void}): Promise<number> {
	let ended: Ended | undefined;
	const app = open(result => {
		ended = result;
	});
	try {
		await app.waitUntilExit();
	} finally {
		source.close();
	}
	if (!ended) return 1;
	(ended.code === 0 ? process.stdout : process.stderr).write(`${ended.message}\n`);
	return ended.code;
}
