import type net from 'node:net';

/**
 * Bounds open connections, per source address and in all: one past either bound is closed as soon
 * as it is accepted (and counted once a minute in the log), before a byte of it is read.
 */
export function limitConnections(server: net.Server, perSource: number, total: number, logger: {warn(text: string): void}): void {
	const bySource = new Map<string, number>();
	let open = 0;
	let refused = 0;
	let reportTimer: NodeJS.Timeout | undefined;
	server.on('connection', (socket: net.Socket) => {
		const source = socket.remoteAddress ?? 'unknown';
		const mine = bySource.get(source) ?? 0;
		if (mine >= perSource || open >= total) {
			refused += 1;
			reportTimer ??= setTimeout(() => {
				logger.warn(`closed ${refused} connections over the limits (${perSource} per address, ${total} in all) in the last minute`);
				refused = 0;
				reportTimer = undefined;
			}, 60_000).unref();
			socket.destroy();
			return;
		}
		bySource.set(source, mine + 1);
		open += 1;
		socket.once('close', () => {
			open -= 1;
			const left = (bySource.get(source) ?? 1) - 1;
			if (left <= 0) bySource.delete(source);
			else bySource.set(source, left);
		});
	});
}
