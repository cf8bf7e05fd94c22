import type {FleetSource} from '../../screens/fleet/Fleet.js';
import {loadScreens} from './load-screens.js';
import {runUntilEnded} from './until-ended.js';

/**
 * Opens the fleet view full screen and resolves with the exit code once the user leaves it (or
 * the watch ends). Leaving stops nothing on the hosts. The line saying what happened is printed
 * after the terminal is restored. Call only when isInteractive() says so.
 */
export async function runFleetApp(source: FleetSource, options: {instance: string; hosts: readonly string[]}): Promise<number> {
	const {createElement, Fleet, renderFullscreen} = await loadScreens();
	return runUntilEnded(
		onEnd =>
			renderFullscreen(
				createElement(Fleet, {instance: options.instance, hosts: options.hosts, source, onEnd}),
				// The terminal went away: the SSH links end with the process; the hosts keep running.
				{beforeSignalExit: async () => source.close()},
			),
		source,
	);
}
