import type net from 'node:net';

/** What node's TCP (and pipe) handles offer the accepting server: a connection before it is a Socket. */
interface AcceptedHandle {
	getpeername?(into: {address?: string}): number;
	close(): void;
}
interface ListeningHandle {
	onconnection?: (this: ListeningHandle, error: number, accepted?: AcceptedHandle) => void;
}

/**
 * Bounds open connections, per source address and in all: one past either bound is closed as soon
 * as it is accepted (and counted once a minute in the log), before a byte of it is read.
 *
 * The bound is checked on the accepted handle, before node makes a Socket of it, the way node itself
 * drops a connection past `server.maxConnections` (net.js `onconnection`): under a flood of
 * connections from a few addresses, making and destroying a Socket for each was most of what the
 * refusal cost, and it delayed every other request by the length of the flood's accept burst. Should
 * a node version not expose that hook, the same check runs on the 'connection' event instead.
 */
export function limitConnections(server: net.Server, perSource: number, total: number, logger: {warn(text: string): void}): void {
	const bySource = new Map<string, number>();
	let open = 0;
	let refused = 0;
	let reportTimer: NodeJS.Timeout | undefined;
	const full = (source: string): boolean => (bySource.get(source) ?? 0) >= perSource || open >= total;
	const countRefusal = (): void => {
		refused += 1;
		reportTimer ??= setTimeout(() => {
			logger.warn(`closed ${refused} connections over the limits (${perSource} per address, ${total} in all) in the last minute`);
			refused = 0;
			reportTimer = undefined;
		}, 60_000).unref();
	};
	server.on('listening', () => {
		const handle = (server as unknown as {_handle?: ListeningHandle})._handle;
		const accept = handle?.onconnection;
		if (handle === undefined || typeof accept !== 'function') return;
		handle.onconnection = function (error, accepted) {
			if (!error && accepted?.getpeername !== undefined) {
				const peer: {address?: string} = {};
				accepted.getpeername(peer);
				if (full(peer.address ?? 'unknown')) {
					countRefusal();
					accepted.close();
					return;
				}
			}
			accept.call(this, error, accepted);
		};
	});
	server.on('connection', (socket: net.Socket) => {
		const source = socket.remoteAddress ?? 'unknown';
		if (full(source)) {
			countRefusal();
			socket.destroy();
			return;
		}
		bySource.set(source, (bySource.get(source) ?? 0) + 1);
		open += 1;
		socket.once('close', () => {
			open -= 1;
			const left = (bySource.get(source) ?? 1) - 1;
			if (left <= 0) bySource.delete(source);
			else bySource.set(source, left);
		});
	});
}
