import {chmodSync, rmSync} from 'node:fs';
import net from 'node:net';
import type {SupervisorCommand, SupervisorEvent} from './events.js';
import {jsonLineReader} from './json-lines.js';
import type {Supervisor} from './supervisor.js';

/** Past this much unsent output, a watcher that does not read gets no more log batches until it catches up. */
const maxBufferedBytes = 4 * 1024 * 1024;

/** A command is a short JSON line; a connection that sends more without a newline is cut off, so no watcher can fill the supervisor's memory. */
const maxCommandLength = 64 * 1024;

/** Only the supervisor's user (and root) may connect: the kernel checks write permission on the socket file at connect(). */
const socketMode = 0o600;

const commandTypes = new Set(['stop', 'restart', 'start', 'stop-all', 'quit-all']);

/**
 * The supervisor's control socket: each connection gets a snapshot, then every event, as JSON
 * lines; it may send SupervisorCommands as JSON lines.
 */
export async function serveControlSocket(supervisor: Supervisor, socketPath: string): Promise<net.Server> {
	rmSync(socketPath, {force: true});
	const server = net.createServer(socket => {
		const write = (event: SupervisorEvent): void => {
			if (socket.destroyed) return;
			if (event.type === 'log-lines' && socket.writableLength > maxBufferedBytes) return;
			socket.write(`${JSON.stringify(event)}\n`);
			if (event.type === 'supervisor-exit') socket.end();
		};
		write(supervisor.snapshot());
		const unsubscribe = supervisor.subscribe(write);
		socket.on(
			'data',
			jsonLineReader<SupervisorCommand>(
				command => {
					if (typeof command !== 'object' || command === null || !commandTypes.has(command.type)) return;
					supervisor.handle(command).catch(() => {
						// An unknown daemon name: the watcher sees nothing change.
					});
				},
				{maxLineLength: maxCommandLength, onOverflow: () => socket.destroy()},
			),
		);
		socket.on('close', unsubscribe);
		socket.on('error', () => socket.destroy());
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		// bind() makes the socket file inside listen(), with the umask's mode: owner-only from its first moment.
		const umask = process.umask(0o177);
		try {
			server.listen(socketPath, () => {
				server.off('error', reject);
				resolve();
			});
		} finally {
			process.umask(umask);
		}
	});
	chmodSync(socketPath, socketMode);
	return server;
}
