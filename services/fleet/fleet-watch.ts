import {PassThrough} from 'node:stream';
import {shellQuote, type RemoteSession} from '../deploy/agent-client.js';
import {errorMessage} from '../errors.js';
import type {SupervisorCommand, SupervisorEvent} from '../supervisor/events.js';
import {EventQueue} from '../supervisor/event-queue.js';
import type {UsageRecord} from '../supervisor/usage-record.js';
import type {DaemonUsage} from '../supervisor/usage.js';
import {releasePaths, shippedAmpzero, type Fleet, type FleetHost} from './fleet-hosts.js';

export type HostLink = 'connecting' | 'connected' | 'not-running' | 'unreachable';

/** What the fleet view folds: each host's link, and each host's supervisor events, unchanged. */
export type FleetEvent =
	| {type: 'host-link'; host: string; link: HostLink; error?: string; retryInMs?: number; release?: string}
	| {type: 'supervisor'; host: string; event: SupervisorEvent}
	/** CPU and memory of the host's running daemons, sampled there every two seconds. */
	| {type: 'usage'; host: string; usage: Record<string, DaemonUsage>};

export interface FleetWatch {
	events(): AsyncIterable<FleetEvent>;
	/** A command for one host's supervisor (stop or restart a daemon); false when that host is not connected. */
	send(host: string, command: SupervisorCommand): boolean;
	close(): void;
}

/** Waits between reconnects: 1, 2, 4 … seconds, at most 30. */
function reconnectDelayMs(failures: number): number {
	return Math.min(30_000, 1000 * 2 ** Math.max(0, failures - 1));
}

/**
 * One SSH connection per host, each streaming that host's supervisor events through the shipped
 * ampzero there (`run NAME events`). A host that drops is reported unreachable and reconnected
 * with backoff; a host whose supervisor is not running is asked again every few seconds.
 */
export function watchFleet(fleet: Fleet, options: {notRunningRetryMs?: number} = {}): FleetWatch {
	const queue = new EventQueue<FleetEvent>(100_000, event => (event.type === 'supervisor' && event.event.type === 'log-lines') || event.type === 'usage');
	const stop = new AbortController();
	const inputs = new Map<string, PassThrough>();
	const notRunningRetryMs = options.notRunningRetryMs ?? 3000;
	const sleep = (ms: number): Promise<void> =>
		new Promise(resolve => {
			const timer = setTimeout(resolve, ms);
			stop.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), {once: true});
		});

	const followHost = async (host: FleetHost): Promise<void> => {
		let failures = 0;
		while (!stop.signal.aborted) {
			queue.push({type: 'host-link', host: host.label, link: 'connecting'});
			let session: RemoteSession | undefined;
			try {
				session = await fleet.connect(host.config);
				failures = 0;
				// A stop ends the remote command through the exec's own signal (it stops the command on the host first); the session closes after.
				await streamWhileConnected(host, session);
			} catch (error) {
				if (stop.signal.aborted) break;
				failures++;
				const retryInMs = reconnectDelayMs(failures);
				queue.push({type: 'host-link', host: host.label, link: 'unreachable', error: errorMessage(error), retryInMs});
				await sleep(retryInMs);
			} finally {
				inputs.delete(host.label);
				session?.close();
			}
		}
	};

	/** Streams events over one session until it fails (throws) or the watch stops. */
	const streamWhileConnected = async (host: FleetHost, session: RemoteSession): Promise<void> => {
		while (!stop.signal.aborted) {
			const current = await session.exec(`cat ${shellQuote(`${releasePaths(host.config).dist}/.current`)} 2>/dev/null`, {timeoutMs: 15_000});
			const release = current.stdout.trim().split('\n').filter(Boolean).join(' ');
			const input = new PassThrough();
			inputs.set(host.label, input);
			let notRunning = false;
			let connected = false;
			const outcome = await session.exec(shippedAmpzero(host.config, ['run', `${host.config.root}/dist/instance`, 'events']), {
				stdin: input,
				timeoutMs: 7 * 24 * 3600_000,
				signal: stop.signal,
				stdoutToLinesOnly: true,
				onStdoutLine: text => {
					let event: SupervisorEvent | UsageRecord | {type: 'not-running'};
					try {
						event = JSON.parse(text) as typeof event;
					} catch {
						return;
					}
					if (event.type === 'not-running') {
						notRunning = true;
						return;
					}
					if (event.type === 'usage') {
						queue.push({type: 'usage', host: host.label, usage: event.usage});
						return;
					}
					if (!connected) {
						connected = true;
						queue.push({type: 'host-link', host: host.label, link: 'connected', ...(release ? {release} : {})});
					}
					queue.push({type: 'supervisor', host: host.label, event});
				},
			});
			inputs.delete(host.label);
			input.end();
			if (stop.signal.aborted) return;
			queue.push({type: 'host-link', host: host.label, link: 'not-running', ...(release ? {release} : {}), ...(notRunning || outcome.code === 0 ? {} : {error: outcome.stderr.trim().split('\n').slice(-1)[0] ?? ''})});
			await sleep(notRunningRetryMs);
		}
	};

	const running = Promise.all(fleet.hosts.map(host => followHost(host)));
	void running.finally(() => queue.end());
	return {
		events: () => queue,
		send(host, command) {
			const input = inputs.get(host);
			if (!input) return false;
			input.write(`${JSON.stringify(command)}\n`);
			return true;
		},
		close() {
			stop.abort();
			for (const input of inputs.values()) input.end();
		},
	};
}
