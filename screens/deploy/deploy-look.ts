import type {DeployPhase, HostState} from '../../services/deploy/events.js';

/** A symbol for every host state, so the list reads the same without colour (NO_COLOR). */
export const hostSymbols: Record<HostState, string> = {
	waiting: '·',
	running: '▸',
	done: '✓',
	failed: '✗',
	'rolling-back': '↶',
	'rolled-back': '↺',
	'rollback-failed': '!',
	skipped: '-',
};

export const hostColors: Record<HostState, string> = {
	waiting: 'gray',
	running: 'cyan',
	done: 'green',
	failed: 'redBright',
	'rolling-back': 'yellow',
	'rolled-back': 'yellow',
	'rollback-failed': 'redBright',
	skipped: 'gray',
};

export const phaseColors: Record<DeployPhase, string> = {
	planning: 'gray',
	deploying: 'cyan',
	'rolling-back': 'yellow',
	done: 'green',
	failed: 'redBright',
	'rolled-back': 'yellow',
	'rollback-failed': 'redBright',
	aborted: 'yellow',
};

/** What the top line says of a phase. */
export const phaseWords: Record<DeployPhase, string> = {
	planning: 'planning',
	deploying: 'deploying',
	'rolling-back': 'rolling back',
	done: 'deployed',
	failed: 'failed',
	'rolled-back': 'rolled back',
	'rollback-failed': 'rollback failed',
	aborted: 'aborted',
};
