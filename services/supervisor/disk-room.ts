import {statfsSync} from 'node:fs';

/** How often the disk holding the logs is checked for room. */
const diskCheckIntervalMs = 1000;
/** Less free space than this counts as a full disk. */
const fullDiskBytes = 64 * 1024;

/**
 * Daemons write their log files themselves: on a full disk their lines are lost, and only the
 * supervisor can say so. Checks the room left in `directory` and says when it runs out and returns.
 */
export function watchDiskRoom(directory: string, notice: (text: string) => void): {stop(): void} {
	let diskFull = false;
	const check = (): void => {
		let free: number;
		try {
			const stats = statfsSync(directory);
			free = stats.bavail * stats.bsize;
		} catch {
			return;
		}
		const full = free < fullDiskBytes;
		if (full === diskFull) return;
		diskFull = full;
		notice(
			full
				? `the disk is full under ${directory}: the daemons keep running, and the lines they write are lost until there is room`
				: `there is room again under ${directory}: the daemons' lines are written again`,
		);
	};
	check();
	const timer = setInterval(check, diskCheckIntervalMs).unref();
	return {stop: () => clearInterval(timer)};
}
