import v8 from 'node:v8';
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
 * Loads React, Ink and the screen with React's production build: the development build costs
 * about twice the CPU per frame under a log flood, and more memory. NODE_ENV is set only while
 * React loads, so the daemons a --no-daemon supervisor starts later do not inherit it. (No JSX in
 * this file: the JSX runtime would load React before NODE_ENV is set.)
 */
async function loadScreen() {
	// The screen holds little (the log rings are capped); trading a little CPU for a heap that stays small.
	v8.setFlagsFromString('--optimize-for-size');
	const previous = process.env['NODE_ENV'];
	process.env['NODE_ENV'] = previous ?? 'production';
	try {
		// Before anything loads Ink: chalk decides on colour once, when it loads.
		await import('./no-color.js');
		const [{createElement}, {Dashboard}, {renderFullscreen}] = await Promise.all([
			import('react'),
			import('../../screens/dashboard/Dashboard.js'),
			import('./fullscreen.js'),
		]);
		return {createElement, Dashboard, renderFullscreen};
	} finally {
		if (previous === undefined) delete process.env['NODE_ENV'];
	}
}
