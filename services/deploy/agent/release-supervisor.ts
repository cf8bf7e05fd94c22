import net from 'node:net';
import path from 'node:path';
import {isRunning} from '../../system/proc.js';
import {eachLine} from '../stream-lines.js';
import {readPid, runDirectory, type InstanceOnHost} from './instance-on-host.js';

/**
 * Ends the running supervisor with every daemon it names in `keep` left running, as `ampzero run
 * NAME stop --keep …` does, by sending that command (`stop-all`) over the supervisor's control
 * socket itself: in a hand-over nothing else stops, and this spares the host a start of ampzero's
 * command line in the middle of a deploy. True once the supervisor is gone; false when it could not
 * be asked or did not go within `timeoutMs` (the caller then stops it through the command line,
 * which also ends what a crashed supervisor left).
 */
export async function releaseSupervisor(target: InstanceOnHost, keep: readonly string[], timeoutMs: number): Promise<boolean> {
	const directory = runDirectory(target);
	const pid = readPid(path.join(directory, 'supervisor.pid'));
	if (pid === undefined) return false;
	const deadline = Date.now() + timeoutMs;
	// Its last event says it exits: this end closes then, and its process must end too (a zombie is ended: reaping it is its parent's job).
	const asked = await new Promise<boolean>(resolve => {
		const socket = net.connect(path.join(directory, 'supervisor.sock'));
		const timer = setTimeout(() => finish(false), timeoutMs);
		function finish(ok: boolean): void {
			clearTimeout(timer);
			socket.destroy();
			resolve(ok);
		}
		socket.once('connect', () => socket.write(`${JSON.stringify({type: 'stop-all', keep})}\n`));
		eachLine(socket, line => {
			if (line.startsWith('{"type":"supervisor-exit"')) finish(true);
		});
		socket.once('error', () => finish(false));
		socket.once('close', () => finish(true));
	});
	if (!asked) return false;
	while (isRunning(pid)) {
		if (Date.now() > deadline) return false;
		await new Promise(resolve => setTimeout(resolve, 10));
	}
	return true;
}
