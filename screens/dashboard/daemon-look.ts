import {formatUptime} from '../../services/supervisor/status-format.js';
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

/** Uptime counts only while a process is there. */
export function uptimeOf(state: DaemonState, startedAt: number | undefined, now: number): string {
	if (startedAt === undefined || !(state === 'starting' || state === 'ready' || state === 'stopping')) return '-';
	return formatUptime(now - startedAt);
}
