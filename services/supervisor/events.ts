import type {NatStatus} from '../nat/nat-status.js';
/** A daemon's life as the supervisor sees it. */
export type DaemonState = 'pending' | 'starting' | 'ready' | 'stopping' | 'stopped' | 'crashed' | 'failed';

export interface DaemonStatus {
	name: string;
	state: DaemonState;
	pid?: number;
	/** Epoch ms when the current process started (uptime is derived from it). */
	startedAt?: number;
	restarts: number;
	port?: number;
	/** Why it is crashed/failed/not ready, in words a user can act on. */
	reason?: string;
}

/** A daemon this run relies on but another host runs: a keyspace member, zerodata, logstore. Plain data (it crosses the plan file). */
export interface RemoteTarget {
	name: string;
	url: string;
	host: string;
	port: number;
}

/** A remote dependency with its reachability: null before the first check. */
export interface RemoteDependency extends RemoteTarget {
	reachable: boolean | null;
	/** Why the last check failed. */
	error?: string;
	checkedAt?: number;
}

/** What the header shows: where to browse and how to log in. */
export interface RunInfo {
	instance: string;
	instanceDirectory: string;
	frontendUrl: string;
	loginUrl?: string;
	/** Daemonised supervisor's pid, or this process's with --no-daemon. */
	supervisorPid: number;
	/** Lines for the user that belong to no daemon (hub announce, NAT mapping), oldest first. */
	notices?: string[];
	/** The frontend port's mapping on a NAT gateway; absent with --no-nat-bypass and --server. */
	nat?: NatStatus;
	/** The remote dependencies of a server host or a host of `hosts:`, with their reachability. */
	remote?: RemoteDependency[];
}

/**
 * Everything the supervisor tells its watchers. The dashboard folds these with a pure reducer;
 * `--batch` prints them as lines (or JSON lines); the control socket carries them as JSON lines.
 */
export type SupervisorEvent =
	/** First event on every connection: the whole picture, plus each daemon's recent log lines. */
	| {type: 'snapshot'; info: RunInfo; daemons: DaemonStatus[]; logs: Record<string, string[]>}
	| {type: 'daemon-state'; daemon: DaemonStatus}
	/**
	 * Lines come in batches: a flood must not cost one event per line. Under a flood a batch keeps
	 * only its newest lines; `skipped` counts those left out (the log file still has every line).
	 */
	| {type: 'log-lines'; daemon: string; lines: string[]; skipped?: number}
	| {type: 'run-ready'; elapsedMs: number}
	| {type: 'run-failed'; daemon: string; error: string; lastLines: string[]}
	/** The header's facts changed: the login link is known once the live redis is up. */
	| {type: 'run-info'; info: RunInfo}
	/** A line for the user that belongs to no daemon: the hub announce, the NAT mapping. */
	| {type: 'notice'; text: string}
	/** The NAT mapping changed state (mapped, renewing, lost, none) or external address. */
	| {type: 'nat-state'; nat: NatStatus}
	/** A remote dependency became reachable or unreachable: the whole list. */
	| {type: 'remote-state'; remote: RemoteDependency[]}
	/** Every daemon has stopped and the supervisor is about to exit. */
	| {type: 'supervisor-exit'; reason: 'stopped' | 'quit' | 'failed'};

/** Commands a watcher may send (the dashboard's keys, `run NAME stop|quit`). */
export type SupervisorCommand =
	| {type: 'stop'; daemon: string}
	| {type: 'restart'; daemon: string}
	| {type: 'start'; daemon: string}
	/** `keep`: daemons left running for the next supervisor to adopt (`run NAME stop --keep`). */
	| {type: 'stop-all'; keep?: string[]}
	| {type: 'quit-all'};

/** A live link to a supervisor, in-process (--no-daemon) or over its Unix socket. */
export interface SupervisorConnection {
	events(): AsyncIterable<SupervisorEvent>;
	send(command: SupervisorCommand): Promise<void>;
	/** Detach: close this link, leave the supervisor running. */
	close(): void;
}
