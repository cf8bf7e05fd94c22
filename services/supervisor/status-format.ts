import type {DaemonStatus, RemoteDependency} from './events.js';

/** `59s`, `12m05s`, `3h07m`, `2d04h`: at most six characters. */
export function formatUptime(ms: number): string {
	const seconds = Math.max(0, Math.floor(ms / 1000));
	if (seconds < 60) return `${seconds}s`;
	const minutes = Math.floor(seconds / 60);
	if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
	const hours = Math.floor(minutes / 60);
	if (hours < 24) return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
	return `${Math.floor(hours / 24)}d${String(hours % 24).padStart(2, '0')}h`;
}

/** One plain line per daemon, columns aligned across daemons of up to `nameWidth` characters. */
export function daemonStatusLine(status: DaemonStatus, now: number, nameWidth = 12): string {
	const columns = [
		status.name.padEnd(nameWidth),
		status.state.padEnd(8),
		`pid ${status.pid ?? '-'}`.padEnd(11),
		`up ${status.startedAt !== undefined && status.pid !== undefined ? formatUptime(now - status.startedAt) : '-'}`.padEnd(10),
		`restarts ${status.restarts}`.padEnd(11),
		`port ${status.port ?? '-'}`,
	];
	return `${columns.join(' ')}${status.reason ? `  (${status.reason})` : ''}`;
}

/** The JSON record of a daemon in `status --json` and `run --batch --json`. */
export function daemonStatusRecord(status: DaemonStatus, now: number): Record<string, unknown> {
	return {
		type: 'daemon',
		name: status.name,
		state: status.state,
		pid: status.pid ?? null,
		uptimeMs: status.startedAt !== undefined && status.pid !== undefined ? now - status.startedAt : null,
		restarts: status.restarts,
		port: status.port ?? null,
		...(status.reason ? {reason: status.reason} : {}),
	};
}

/** The word for a remote dependency's reachability: reachable, unreachable, or checking (before the first check). */
export function remoteState(dependency: Pick<RemoteDependency, 'reachable'>): 'reachable' | 'unreachable' | 'checking' {
	return dependency.reachable === null ? 'checking' : dependency.reachable ? 'reachable' : 'unreachable';
}

/** One plain line per remote dependency, aligned with the daemons' lines. */
export function remoteStatusLine(dependency: RemoteDependency, nameWidth = 12): string {
	return `${dependency.name.padEnd(nameWidth)} ${remoteState(dependency).padEnd(11)} remote ${dependency.url}${dependency.error ? `  (${dependency.error})` : ''}`;
}
