import type {Logger} from './logger.js';

/**
 * Keeps a daemon running until SIGTERM or SIGINT, then closes it and exits 0 (1 if closing
 * failed). A second signal while closing exits at once.
 */
export async function serveUntilSignal(daemon: {close(): Promise<void>}, logger: Logger): Promise<void> {
	await new Promise<void>(resolve => {
		let stopping = false;
		const stop = (signal: NodeJS.Signals): void => {
			if (stopping) {
				logger.warn(`${signal} again: exiting now`);
				process.exit(1);
			}
			stopping = true;
			logger.info(`${signal}: finishing in-flight requests`);
			daemon.close().then(
				() => {
					logger.info('stopped');
					resolve();
				},
				(error: unknown) => {
					logger.error(`stopping failed: ${error instanceof Error ? error.message : String(error)}`);
					process.exitCode = 1;
					resolve();
				},
			);
		};
		process.on('SIGTERM', stop);
		process.on('SIGINT', stop);
	});
}
