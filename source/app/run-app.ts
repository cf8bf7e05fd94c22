import {existsSync} from 'node:fs';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import v8 from 'node:v8';
import {checkoutDirectory} from '../../services/system/checkout.js';
import type {SupervisorConnection} from '../../services/supervisor/events.js';

/**
 * Opens the dashboard full screen on a supervisor connection and resolves with the exit code
 * once it ends (everything stopped, detached, or the link dropped). The line saying what
 * happened is printed after the terminal is restored, so it stays in the user's scrollback.
 */
export async function runDashboardApp(
	connection: SupervisorConnection,
	options: {
		ownsSupervisor: boolean;
		/** With --no-daemon: what ends the daemons when a signal (the terminal closing) ends the app. */
		stopOnSignal?: () => Promise<unknown>;
	},
): Promise<number> {
	const {createElement, Dashboard, renderFullscreen} = await loadScreen();
	let ended: {code: number; message: string} | undefined;
	const app = renderFullscreen(
		createElement(Dashboard, {
			connection,
			ownsSupervisor: options.ownsSupervisor,
			onEnd: result => {
				ended = result;
			},
		}),
		options.stopOnSignal ? {beforeSignalExit: options.stopOnSignal} : {},
	);
	try {
		await app.waitUntilExit();
	} finally {
		connection.close();
	}
	if (!ended) return 1;
	(ended.code === 0 ? process.stdout : process.stderr).write(`${ended.message}\n`);
	return ended.code;
}

/**
 * Loads the screen: the one-file bundle the build makes (see dashboard-screen.ts), or, where
 * there is none (the sources run directly), the modules themselves with React's production build.
 * The development build costs about twice the CPU per frame under a log flood, and more memory.
 * NODE_ENV is set only while React loads, so the daemons a --no-daemon supervisor starts later do
 * not inherit it. (No JSX in this file: the JSX runtime would load React before NODE_ENV is set.)
 */
export async function loadScreen(): Promise<typeof import('./dashboard-screen.js')> {
	// The screen holds little (the log rings are capped); trading a little CPU for a heap that stays small.
	v8.setFlagsFromString('--optimize-for-size');
	// Found from the checkout: this module may itself run from the command line's bundle.
	const bundle = path.join(checkoutDirectory, 'dist', 'source', 'app', 'dashboard-screen.bundle.js');
	if (existsSync(bundle)) return (await import(pathToFileURL(bundle).href)) as typeof import('./dashboard-screen.js');
	const previous = process.env['NODE_ENV'];
	process.env['NODE_ENV'] = previous ?? 'production';
	try {
		return await import('./dashboard-screen.js');
	} finally {
		if (previous === undefined) delete process.env['NODE_ENV'];
	}
}
