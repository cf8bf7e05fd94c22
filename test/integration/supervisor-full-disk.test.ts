import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import type {SupervisorEvent} from '../../services/supervisor/events.js';
import {groupAlive} from '../../services/system/proc.js';
import {Supervisor} from '../../services/supervisor/supervisor.js';
import {killProcessesMentioning, nodeDaemon} from '../helpers/supervisor-specs.js';
import {mountSmallDisk, type SmallDisk} from '../helpers/tmpfs.js';

let disk: SmallDisk | undefined;
let supervisor: Supervisor | undefined;
afterEach(async () => {
	await supervisor?.quitAll();
	if (disk) killProcessesMentioning(disk.directory);
	disk?.unmount();
	disk = undefined;
	supervisor = undefined;
});

async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise(resolve => setTimeout(resolve, 20));
	}
}

describe('the supervisor on a full disk', () => {
	it('keeps the daemons running and supervised, says the disk is full (their lines are lost meanwhile), and follows their logs again once there is room', async () => {
		disk = mountSmallDisk('1m');
		const logs = path.join(disk.directory, 'logs');
		// Its stdout is its log file: like the project's own daemons, it shrugs off a write the full disk refuses.
		const chatter = `process.stdout.on('error', () => {}); let n = 0; setInterval(() => console.log('line ' + (n++) + ' ' + 'x'.repeat(100)), 2);`;
		supervisor = new Supervisor({
			specs: [nodeDaemon('chatty', chatter, disk.directory)],
			files: {logs, pids: path.join(disk.directory, 'pids')},
			info: {instance: 'test', instanceDirectory: disk.directory, frontendUrl: 'https://127.0.0.1:1/', supervisorPid: process.pid},
			crashPolicy: {initialDelayMs: 50, maxDelayMs: 200, stableMs: 60_000, maxCrashes: 10, windowMs: 60_000},
		});
		const events: SupervisorEvent[] = [];
		supervisor.subscribe(event => events.push(event));
		expect((await supervisor.start()).ok).toBe(true);
		await waitFor(() => existsSync(path.join(logs, 'chatty.log')) && readFileSync(path.join(logs, 'chatty.log')).length > 1000, 'the first lines');

		disk.fill();
		const notices = (): string[] => events.flatMap(event => (event.type === 'notice' ? [event.text] : []));
		await waitFor(() => notices().some(text => text.includes('disk is full')), 'a notice about the full disk');
		const chattyPid = supervisor.statuses()[0]!.pid!;
		await new Promise(resolve => setTimeout(resolve, 300));
		// Writing to a full disk did not end it: the same process runs on.
		expect(supervisor.statuses()[0]).toMatchObject({state: 'ready', pid: chattyPid, restarts: 0});

		// Still supervised: a killed daemon is restarted even though its pid file cannot be written.
		const firstPid = supervisor.statuses()[0]!.pid!;
		process.kill(firstPid, 'SIGKILL');
		await waitFor(() => {
			const status = supervisor!.statuses()[0]!;
			return status.state === 'ready' && status.pid !== undefined && status.pid !== firstPid;
		}, 'the restart');
		expect(groupAlive(supervisor.statuses()[0]!.pid!)).toBe(true);

		disk.free();
		await waitFor(() => notices().some(text => text.includes('room again')), 'the notice that logging works again');
		const size = readFileSync(path.join(logs, 'chatty.log')).length;
		await waitFor(() => readFileSync(path.join(logs, 'chatty.log')).length > size + 1000, 'the log file growing again');
		// And its lines reach the watchers again.
		const batchesBefore = events.filter(event => event.type === 'log-lines').length;
		await waitFor(() => events.filter(event => event.type === 'log-lines').length > batchesBefore + 2, 'more log lines');
	});
});
