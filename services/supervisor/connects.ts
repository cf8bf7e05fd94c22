import net from 'node:net';

/** Whether a connection (TCP or a Unix socket) is accepted within `timeoutMs`; it is closed at once. */
export function connects(target: net.NetConnectOpts, timeoutMs: number): Promise<boolean> {
	return new Promise(resolve => {
		const socket = net.connect(target);
		const done = (accepted: boolean): void => {
			socket.destroy();
			resolve(accepted);
		};
		socket.setTimeout(timeoutMs, () => done(false));
		socket.once('connect', () => done(true));
		socket.once('error', () => done(false));
	});
}
