import type {SupervisorConnection} from '../../services/supervisor/events.js';
import {loadScreens} from './load-screens.js';
import {runUntilEnded} from './until-ended.js';

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
	const {createElement, Dashboard, renderFullscreen} = await loadScreens();
	return runUntilEnded(
		onEnd => renderFullscreen(createElement(Dashboard, {connection, ownsSupervisor: options.ownsSupervisor, onEnd}), options.stopOnSignal ? {beforeSignalExit: options.stopOnSignal} : {}),
		connection,
	);
}
