import type {FleetSource} from '../../screens/fleet/Fleet.js';
import {loadScreens} from './load-screens.js';

/**
 * Opens the fleet view full screen and resolves with the exit code once the user leaves it (or
 * the watch ends). Leaving stops nothing on the hosts. The line saying what happened is printed
 * after the terminal is restored. Call only when isInteractive() says so.
 */
export async function runFleetApp(source: FleetSource, options: {instance: string; hosts: readonly string[]}): Promise<number> {
	const {createElement, Fleet, renderFullscreen} = await loadScreens();
	let ended: {code: number; message: string} | undefined;
	const app = renderFullscreen(
		createElement(Fleet, {
			instance: options.instance,
			hosts: options.hosts,
			source,
			onEnd: result => {
				ended = result;
			},
		}),
		// The terminal went away: the SSH links end with the process; the hosts keep running.
		{beforeSignalExit: async () => source.close()},
	);
	try {
		await app.waitUntilExit();
	} finally {
		source.close();
	}
	if (!ended) return 1;
	(ended.code === 0 ? process.stdout : process.stderr).write(`${ended.message}\n`);
	return ended.code;
}
