import net from 'node:net';
import {AmpError, errorMessage} from '../errors.js';
import {EventQueue} from './event-queue.js';
import type {SupervisorCommand, SupervisorConnection, SupervisorEvent} from './events.js';
import {jsonLineReader} from './json-lines.js';
import type {Supervisor} from './supervisor.js';

/** Connects to a supervisor's control socket. Events are buffered from the first byte, so the snapshot is never missed. */
export function connectSupervisor(socketPath: string, timeoutMs = 3000): Promise<SupervisorConnection> {
	return new Promise((resolve, reject) => {
		const socket = net.connect(socketPath);
		const queue = new EventQueue(10_000);
		const timer = setTimeout(() => {
			socket.destroy();
			reject(new AmpError(`the supervisor at ${socketPath} did not answer within ${timeoutMs} ms`));
		}, timeoutMs);
		socket.on('data', jsonLineReader<SupervisorEvent>(event => queue.push(event)));
		socket.once('close', () => queue.end());
		queue.whenEnded(() => socket.destroy());
		socket.once('error', error => {
			clearTimeout(timer);
			queue.end();
			reject(new AmpError(`cannot reach the supervisor at ${socketPath}: ${errorMessage(error)}`));
		});
		socket.once('connect', () => {
			clearTimeout(timer);
			let handedOut = false;
			resolve({
				events() {
					if (handedOut) throw new Error('events() of a supervisor connection can be read once');
					handedOut = true;
					return queue;
				},
				send(command: SupervisorCommand) {
					return new Promise((done, fail) => {
						if (socket.destroyed) {
							fail(new AmpError('the connection to the supervisor is closed'));
							return;
						}
						socket.write(`${JSON.stringify(command)}\n`, error => (error ? fail(error) : done()));
					});
				},
				close() {
					queue.end();
					socket.destroy();
				},
			});
		});
	});
}

/** A connection to a supervisor in this process (--no-daemon). */
export function localConnection(supervisor: Supervisor): SupervisorConnection {
	const iterators: Array<AsyncIterableIterator<SupervisorEvent>> = [];
	return {
		events() {
			const iterator = supervisor.events();
			iterators.push(iterator);
			return iterator;
		},
		async send(command) {
			// Like the socket: the command is taken, its effects arrive as events.
			supervisor.handle(command).catch(() => {});
		},
		close() {
			for (const iterator of iterators.splice(0)) void iterator.return?.();
		},
	};
}
