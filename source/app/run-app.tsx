import type {SupervisorConnection} from '../../services/supervisor/events.js';
import {Dashboard} from '../../screens/dashboard/Dashboard.js';
import {renderFullscreen} from './fullscreen.js';

/**
 * Opens the dashboard full screen on a supervisor connection and resolves with the exit code
 * once it ends (everything stopped, detached, or the link dropped). The line saying what
 * happened is printed after the terminal is restored, so it stays in the user's scrollback.
 */
export async function runDashboardApp(connection: SupervisorConnection, options: {ownsSupervisor: boolean}): Promise<number> {
	let ended: {code: number; message: string} | undefined;
	const app = renderFullscreen(
		<Dashboard
			connection={connection}
			ownsSupervisor={options.ownsSupervisor}
			onEnd={result => {
				ended = result;
			}}
		/>,
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
