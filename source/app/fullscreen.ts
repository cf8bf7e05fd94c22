import './no-color.js';
import {render} from 'ink';
import type React from 'react';
import {changedRowsStdout} from './changed-rows-stdout.js';

export interface FullscreenApp {
	/** Resolves when the app has unmounted and the terminal is restored; rejects with a render error. */
	waitUntilExit(): Promise<void>;
	unmount(): void;
}

const enterAlternateScreen = '\u001B[?1049h\u001B[2J\u001B[H';
const leaveAlternateScreen = '\u001B[?1049l';
const hideCursor = '\u001B[?25l';
const showCursor = '\u001B[?25h';

const exitSignals = {SIGTERM: 15, SIGHUP: 1, SIGINT: 2} as const;

/**
 * Renders the element full screen: alternate screen, hidden cursor, keys in raw mode. The
 * terminal is given back as it was on a normal exit, on a signal and on a crash. Screens decide
 * what ^C does (it arrives as a key). Call only when isInteractive() says so.
 */
export function renderFullscreen(
	element: React.ReactElement,
	options: {
		/** Runs after the terminal is restored when a signal ends the app (SIGTERM, SIGHUP: the terminal went away), before the process exits. */
		beforeSignalExit?: () => Promise<unknown>;
	} = {},
): FullscreenApp {
	const {stdout, stdin} = process;
	let restored = false;

	const restore = (): void => {
		if (restored) return;
		restored = true;
		removeHandlers();
		if (stdin.isTTY && stdin.isRaw) stdin.setRawMode(false);
		stdout.write(showCursor + leaveAlternateScreen);
	};

	const onSignal = (signal: keyof typeof exitSignals): void => {
		safeUnmount();
		restore();
		const exit = (): never => process.exit(128 + exitSignals[signal]);
		const {beforeSignalExit} = options;
		if (!beforeSignalExit) exit();
		else {
			// Still ours to end: a second signal while it runs must not skip it, so these are ignored now.
			for (const name of Object.keys(exitSignals)) process.on(name, () => {});
			beforeSignalExit().then(exit, exit);
		}
	};
	const onCrash = (error: unknown): void => {
		safeUnmount();
		restore();
		process.stderr.write(`ampzero: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
		process.exit(1);
	};
	const signalHandlers = Object.keys(exitSignals).map(name => {
		const signal = name as keyof typeof exitSignals;
		const handler = (): void => onSignal(signal);
		process.on(signal, handler);
		return {signal, handler};
	});
	process.on('uncaughtException', onCrash);
	process.on('unhandledRejection', onCrash);
	// Last resort: whatever ends the process, the terminal is handed back.
	process.on('exit', restore);

	function removeHandlers(): void {
		for (const {signal, handler} of signalHandlers) process.off(signal, handler);
		process.off('uncaughtException', onCrash);
		process.off('unhandledRejection', onCrash);
		process.off('exit', restore);
	}

	stdout.write(enterAlternateScreen + hideCursor);
	const instance = render(element, {
		stdout: changedRowsStdout(stdout),
		exitOnCtrlC: false,
		patchConsole: true,
		// No frame cap here: a key's effect is drawn at once. What arrives in floods (log lines) is
		// gathered per frame where it is received (useSupervisor), so only the flood is throttled.
		maxFps: 0,
		// Not incrementalRendering: Ink 6.8 then leaves stale rows behind when the terminal grows.
	});

	function safeUnmount(): void {
		try {
			instance.unmount();
		} catch {
			// Already unmounted or the tree is broken: restoring the terminal is what matters now.
		}
	}

	return {
		async waitUntilExit() {
			try {
				await instance.waitUntilExit();
			} finally {
				restore();
			}
		},
		unmount() {
			safeUnmount();
			restore();
		},
	};
}
