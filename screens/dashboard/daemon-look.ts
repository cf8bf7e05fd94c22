import type {DaemonState} from '../../services/supervisor/events.js';

/** A symbol for every state, so the list reads the same without colour (NO_COLOR). */
export const stateSymbols: Record<DaemonState, string> = {
	pending: '·',
	starting: '↑',
	ready: '✓',
	stopping: '↓',
	stopped: '■',
	crashed: '!',
	failed: '✗',
};

export const stateColors: Record<DaemonState, string> = {
	pending: 'gray',
	starting: 'yellow',
	ready: 'green',
	stopping: 'yellow',
	stopped: 'gray',
	crashed: 'red',
	failed: 'redBright',
};

/** https://no-color.org: present and not empty turns colour off. */
export function colorWanted(env: NodeJS.ProcessEnv = process.env): boolean {
	const noColor = env['NO_COLOR'];
	return noColor === undefined || noColor === '';
}

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

/** Uptime counts only while a process is there. */
export function uptimeOf(state: DaemonState, startedAt: number | undefined, now: number): string {
	if (startedAt === undefined || !(state === 'starting' || state === 'ready' || state === 'stopping')) return '-';
	return formatUptime(now - startedAt);
}
