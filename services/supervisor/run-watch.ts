import type {DaemonStatus, RunInfo, SupervisorConnection, SupervisorEvent} from './events.js';

export type RunWatchOutcome =
	| {ok: true; info: RunInfo; daemons: DaemonStatus[]}
	| {ok: false; info: RunInfo | undefined; daemons: DaemonStatus[]; daemon: string; error: string; lastLines: string[]};

/** How long, once every daemon is ready, to wait for the supervisor's login link before going on without it. */
const loginLinkWaitMs = 1500;

/**
 * Follows a supervisor's events until every daemon is ready, one has failed, or the supervisor
 * exits. Works the same whether the run just started or was already running when we attached.
 * A run that serves logins (live redis and nginx) also waits a moment for the login link the
 * supervisor makes once everything is ready, so that the caller need not make one itself.
 */
export async function waitForRun(connection: SupervisorConnection, onEvent: (event: SupervisorEvent) => void = () => {}): Promise<RunWatchOutcome> {
	let info: RunInfo | undefined;
	const daemons = new Map<string, DaemonStatus>();
	const list = (): DaemonStatus[] => [...daemons.values()];
	let readyAt: number | undefined;
	const events = connection.events()[Symbol.asyncIterator]();
	for (;;) {
		const next = readyAt === undefined ? await events.next() : await nextWithin(events, readyAt + loginLinkWaitMs - Date.now());
		if (next === 'timeout' || next.done) {
			if (readyAt !== undefined && info) return {ok: true, info, daemons: list()};
			return {ok: false, info, daemons: list(), daemon: '', error: 'lost the connection to the supervisor', lastLines: []};
		}
		const event = next.value;
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
			case 'notice':
				if (readyAt !== undefined && info && event.text.startsWith('login link:')) return {ok: true, info, daemons: list()};
				break;
			case 'run-failed':
				return {ok: false, info, daemons: list(), daemon: event.daemon, error: event.error, lastLines: event.lastLines};
			case 'supervisor-exit':
				return {ok: false, info, daemons: list(), daemon: '', error: `the supervisor exited (${event.reason}) before every daemon was ready`, lastLines: []};
			default:
				break;
		}
		if (readyAt === undefined && (event.type === 'snapshot' || event.type === 'daemon-state')) {
			const failed = list().find(daemon => daemon.state === 'failed');
			if (failed) return {ok: false, info, daemons: list(), daemon: failed.name, error: failed.reason ?? 'failed', lastLines: []};
			if (daemons.size > 0 && list().every(daemon => daemon.state === 'ready') && info) {
				if (info.loginUrl !== undefined || !servesLogins(list())) return {ok: true, info, daemons: list()};
				readyAt = Date.now();
			}
		}
		if (readyAt !== undefined && info?.loginUrl !== undefined) return {ok: true, info, daemons: list()};
	}
}

function servesLogins(daemons: DaemonStatus[]): boolean {
	const names = new Set(daemons.map(daemon => daemon.name));
	return names.has('redis-live') && names.has('nginx');
}

function nextWithin<T>(iterator: AsyncIterator<T>, ms: number): Promise<IteratorResult<T> | 'timeout'> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<'timeout'>(resolve => {
		timer = setTimeout(() => resolve('timeout'), Math.max(0, ms));
	});
	return Promise.race([iterator.next(), timeout]).finally(() => clearTimeout(timer));
}
