import type {DaemonStatus, RunInfo, SupervisorConnection, SupervisorEvent} from './events.js';

export type RunWatchOutcome =
	| {ok: true; info: RunInfo; daemons: DaemonStatus[]}
	| {ok: false; info: RunInfo | undefined; daemons: DaemonStatus[]; daemon: string; error: string; lastLines: string[]};

/**
 * Follows a supervisor's events until every daemon is ready, one has failed, or the supervisor
 * exits. Works the same whether the run just started or was already running when we attached.
 */
export async function waitForRun(connection: SupervisorConnection, onEvent: (event: SupervisorEvent) => void = () => {}): Promise<RunWatchOutcome> {
	let info: RunInfo | undefined;
	const daemons = new Map<string, DaemonStatus>();
	const list = (): DaemonStatus[] => [...daemons.values()];
	for await (const event of connection.events()) {
		onEvent(event);
		switch (event.type) {
			case 'snapshot':
				info = event.info;
				daemons.clear();
				for (const daemon of event.daemons) daemons.set(daemon.name, daemon);
				break;
			case 'daemon-state':
				daemons.set(event.daemon.name, event.daemon);
				break;
			case 'run-info':
				info = event.info;
				break;
			case 'run-failed':
				return {ok: false, info, daemons: list(), daemon: event.daemon, error: event.error, lastLines: event.lastLines};
			case 'supervisor-exit':
				return {ok: false, info, daemons: list(), daemon: '', error: `the supervisor exited (${event.reason}) before every daemon was ready`, lastLines: []};
			default:
				break;
		}
		if (event.type === 'snapshot' || event.type === 'daemon-state') {
			const failed = list().find(daemon => daemon.state === 'failed');
			if (failed) return {ok: false, info, daemons: list(), daemon: failed.name, error: failed.reason ?? 'failed', lastLines: []};
			if (daemons.size > 0 && list().every(daemon => daemon.state === 'ready') && info) return {ok: true, info, daemons: list()};
		}
	}
	return {ok: false, info, daemons: list(), daemon: '', error: 'lost the connection to the supervisor', lastLines: []};
}
