import type {RunPaths} from '../../services/config/paths.js';
import {connectSupervisor} from '../../services/supervisor/client.js';
import type {SupervisorCommand} from '../../services/supervisor/events.js';
import {jsonLineReader} from '../../services/supervisor/json-lines.js';
import {findSupervisor} from '../../services/supervisor/lock.js';
import {usageRecord, UsageWatcher} from '../../services/supervisor/usage-record.js';

const commandTypes: ReadonlySet<string> = new Set(['stop', 'restart', 'start', 'stop-all', 'quit-all']);

/**
 * `ampzero run NAME events`: the supervisor's own events as JSON lines on stdout (the control
 * socket's protocol, unchanged), and commands as JSON lines on stdin. This is how `ampzero fleet`
 * watches a host over an SSH exec channel. Between them, every two seconds, a `usage` record: CPU
 * and memory of each running daemon, read from /proc on this host (the local dashboard reads them
 * itself). Ends when the supervisor exits or stdin closes.
 */
export async function streamSupervisorEvents(instance: string, paths: RunPaths, options: {usageIntervalMs?: number} = {}): Promise<number> {
	if (!findSupervisor(paths)) {
		process.stdout.write(`${JSON.stringify({type: 'not-running', instance})}\n`);
		return 1;
	}
	const connection = await connectSupervisor(paths.supervisorSocket);
	const stdinEnded = new Promise<void>(resolve => {
		process.stdin.on(
			'data',
			jsonLineReader<SupervisorCommand>(command => {
				if (command && typeof command === 'object' && commandTypes.has(command.type)) void connection.send(command).catch(() => {});
			}),
		);
		process.stdin.once('end', resolve);
		process.stdin.once('error', () => resolve());
	});
	void stdinEnded.then(() => connection.close());
	const usage = new UsageWatcher();
	let writable = true;
	const timer = setInterval(() => {
		// Under a flood the events come first: a usage record waits for the next tick.
		if (writable && usage.running()) process.stdout.write(`${JSON.stringify(usageRecord(usage.sample()))}\n`);
	}, options.usageIntervalMs ?? 2000);
	try {
		for await (const event of connection.events()) {
			usage.follow(event);
			if (!process.stdout.write(`${JSON.stringify(event)}\n`)) {
				writable = false;
				await new Promise(resolve => process.stdout.once('drain', resolve));
				writable = true;
			}
		}
	} finally {
		clearInterval(timer);
	}
	connection.close();
	process.stdin.destroy();
	return 0;
}
