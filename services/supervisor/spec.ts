/** How the supervisor knows a daemon is ready. Plain data: it crosses the control socket. */
export type ReadyProbe =
	/** GET answers 2xx (https with a self-signed certificate is accepted; with `tls`, only a server of that CA, showing that client certificate: PEM file paths). */
	| {kind: 'http'; url: string; tls?: {ca: string; cert: string; key: string}}
	/** A TCP connect succeeds. */
	| {kind: 'tcp'; host: string; port: number}
	/** `AUTH password` then `PING` answers `+PONG`. */
	| {kind: 'redis'; host: string; port: number; password: string}
	/** A line of the daemon's output matches this regular expression. */
	| {kind: 'log'; pattern: string}
	/** Ready as soon as it has started. */
	| {kind: 'none'};

/** One process the supervisor runs: the built-in daemons and the extras of `amprun.yaml`. */
export interface DaemonSpec {
	/** Unique in the instance: keyspace, redis-live, redis-data, logstore, zerodata, ampnode (ampnode-2 …), nginx, or an extra's name. */
	name: string;
	command: string;
	args: string[];
	cwd?: string;
	env?: Record<string, string>;
	/** The port shown in the dashboard. */
	port?: number;
	/** Every port it binds: checked free before anything starts. */
	ports: number[];
	/** Daemons that must be up for this one to work; it is stopped before them. */
	dependsOn: string[];
	/**
	 * It copes with its dependencies coming up after it (it retries them): the supervisor starts it
	 * with everything else at once, not after they are ready, and counts it ready only once they
	 * are too. Absent: started only when every dependency is ready.
	 */
	waitsForDependencies?: boolean;
	/** Held back (pending, the reason saying why) until every remote dependency of the run answers. */
	waitsForRemote?: boolean;
	ready: ReadyProbe;
	readyTimeoutMs: number;
	/** Run as this user and group (set when ampzero runs as root, so that no daemon does). */
	user?: {uid: number; gid: number};
	/** Graceful stop signal (nginx: SIGQUIT); SIGKILL follows after `stopTimeoutMs`. */
	stopSignal: NodeJS.Signals;
	stopTimeoutMs: number;
	/**
	 * For a daemon that keeps state (keyspace, redis, logstore, zerodata, PostgreSQL): a hash of what it
	 * runs (its config files and program, release directory names left out). Recorded in its pid file; a
	 * later supervisor adopts the running process only while this is unchanged.
	 */
	fingerprint?: string;
	/** Adopt the running process even though its fingerprint changed (a deploy then restarts it itself, when it can keep quorum). */
	adoptEvenIfChanged?: boolean;
}
