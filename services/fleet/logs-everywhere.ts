import {errorMessage} from '../errors.js';
import {forEachHost, shippedAmpzero, type Fleet, type FleetHost} from './fleet-hosts.js';
import {mergeByTime, timeLines, type TimedLine} from './line-time.js';

export type LogsEvent = {type: 'log-line'; host: string; daemon: string; line: string} | {type: 'host-error'; host: string; error: string};

/**
 * A daemon's log from every host, through the shipped ampzero on each (`run NAME logs DAEMON
 * --json`, one SSH command per host): the last `tail` lines of every host merged in time order,
 * then, with `follow`, new lines as they arrive until `signal` aborts. Resolves with whether
 * every host answered.
 */
export async function logsEverywhere(fleet: Fleet, daemon: string, options: {tail: number; follow: boolean; signal?: AbortSignal}, onEvent: (event: LogsEvent) => void): Promise<boolean> {
	const tails = new Map<FleetHost, string[]>();
	const failed = new Set<FleetHost>();
	let tailsPrinted = false;
	const held = new Map<FleetHost, string[]>();
	let tailsLeft = fleet.hosts.length;
	const printTails = (): void => {
		if (tailsPrinted) return;
		tailsPrinted = true;
		const perHost: TimedLine[][] = fleet.hosts.filter(host => tails.has(host)).map(host => timeLines(host.label, tails.get(host)!));
		for (const line of mergeByTime(perHost)) onEvent({type: 'log-line', host: line.host, daemon, line: line.line});
		for (const [host, lines] of held) for (const line of lines) onEvent({type: 'log-line', host: host.label, daemon, line});
		held.clear();
	};
	const tailDone = (host: FleetHost): void => {
		if (!tails.has(host)) tails.set(host, []);
		if (--tailsLeft === 0) printTails();
	};
	const sessions: Array<{close(): void}> = [];
	await forEachHost(fleet.hosts, options.follow ? fleet.hosts.length : fleet.parallel, async host => {
		let inTail = true;
		const hostFailed = (error: string): void => {
			failed.add(host);
			onEvent({type: 'host-error', host: host.label, error});
			if (inTail) {
				inTail = false;
				tailsLeft--;
				if (tailsLeft === 0) printTails();
			}
		};
		let session;
		try {
			session = await fleet.connect(host.config);
		} catch (error) {
			return hostFailed(errorMessage(error));
		}
		sessions.push(session);
		const args = ['run', `${host.config.root}/dist/instance`, 'logs', daemon, '--tail', String(options.tail), '--batch', '--json', ...(options.follow ? ['--follow'] : [])];
		let lastError = '';
		const outcome = await session
			.exec(shippedAmpzero(host.config, args), {
				timeoutMs: options.follow ? 7 * 24 * 3600_000 : 60_000,
				...(options.signal ? {signal: options.signal} : {}),
				onStdoutLine: text => {
					let record: {type?: string; line?: string};
					try {
						record = JSON.parse(text) as typeof record;
					} catch {
						return;
					}
					if (record.type === 'log-follow' && inTail) {
						inTail = false;
						tailDone(host);
					} else if (record.type === 'log-line' && typeof record.line === 'string') {
						if (inTail) append(tails, host, record.line);
						else if (tailsPrinted) onEvent({type: 'log-line', host: host.label, daemon, line: record.line});
						else append(held, host, record.line);
					}
				},
				onStderrLine: line => (lastError = line),
			})
			.catch((error: unknown) => ({code: null, error: errorMessage(error)}));
		if ('error' in outcome) {
			if (!options.signal?.aborted) hostFailed(outcome.error);
		} else if (outcome.code !== 0) hostFailed(lastError.replace(/^ampzero: /, '') || `exit ${outcome.code}`);
		else if (inTail) {
			inTail = false;
			tailDone(host);
		}
	});
	printTails();
	for (const session of sessions) session.close();
	return failed.size === 0;
}

function append<K>(map: Map<K, string[]>, key: K, line: string): void {
	const lines = map.get(key);
	if (lines) lines.push(line);
	else map.set(key, [line]);
}
