/**
 * What a deploy tells its watchers. The deploy screen folds these with a pure reducer; `--batch`
 * prints them as lines (or one JSON object a line with `--json`). The engine emits them in order.
 */

/** Every step a deploy takes, in order. All hosts finish a step before any host starts the next. */
export const deploySteps = [
	'connect',
	'lock',
	'pre-deploy',
	'transfer',
	'verify-transfer',
	'unpack',
	'verify-unpack',
	'set-up',
	'pre-update',
	'placeholder-on',
	'stop-old',
	'switch',
	'start-new',
	'nginx-upgrade',
	'health-check',
	'placeholder-off',
	'clean-up',
	'post-deploy',
	'unlock',
] as const;

export type DeployStep = (typeof deploySteps)[number];

/** A host's state within the deploy. */
export type HostState =
	| 'waiting' // connected or not yet, no step running on it now
	| 'running' // a step is running on it
	| 'done' // every step passed
	| 'failed' // a step failed on it (the deploy rolls back)
	| 'rolling-back'
	| 'rolled-back'
	| 'rollback-failed' // putting it back failed, or it does not answer after it: see the summary for what to do
	| 'skipped'; // not reached (another host failed first)

/** The overall phase shown on top of the deploy screen. */
export type DeployPhase = 'planning' | 'deploying' | 'rolling-back' | 'done' | 'failed' | 'rolled-back' | 'rollback-failed' | 'aborted';

interface DeployHostPlan {
	/** `user@host[:port]` as deployment.yaml names it. */
	host: string;
	/** Whether this host gets a patch against a release it has, or the full tarball. */
	transfer: 'patch' | 'full';
	/** Bytes that will be sent (patch or tarball) for the ampify and instance releases together. */
	bytes: number;
}

export interface DeployPlan {
	deployId: string;
	instance: string;
	/** `ampify-<10 hex>` and `instance-<10 hex>`. */
	ampifyRelease: string;
	instanceRelease: string;
	hosts: DeployHostPlan[];
	steps: readonly DeployStep[];
	/** Where every remote command's output is kept. */
	logFile: string;
	kind: 'deploy' | 'rollback';
}

/** A lock this deploy took and could not give back: where it is. */
interface LockLeft {
	host: string;
	/** The lock-file's path on the host. */
	file: string;
}

export type DeployEvent =
	/** Before any host: a building step on this machine (archive, build, production modules, tarball, patch). */
	| {type: 'build-step'; what: string; state: 'running' | 'ok' | 'failed'; at: number; ms?: number; error?: string}
	/** First event: what will happen. `--dry-run` prints this and stops. */
	| {type: 'deploy-plan'; plan: DeployPlan}
	| {type: 'phase'; phase: DeployPhase; at: number}
	/** A step starts on one host. */
	| {type: 'step-start'; host: string; step: DeployStep; at: number}
	/** A step ended on one host; `bytes` is what it sent (transfer steps). */
	| {type: 'step-end'; host: string; step: DeployStep; ok: boolean; ms: number; bytes?: number; error?: string}
	/** A line of output of the step running on a host (remote command output, retries, notes). */
	| {type: 'host-output'; host: string; step: DeployStep; line: string}
	| {type: 'host-state'; host: string; state: HostState}
	/**
	 * What a deploy did with one of a host's daemons that keep state: `kept` running (its files and config
	 * did not change; the new supervisor adopted it), `restarted` (they changed), `restart-later` (a keyspace
	 * member whose config changed: kept through the switch), `restarted-in-turn` (that member restarted after
	 * start-new, one host at a time, the cluster's quorum kept). `line` says it in words.
	 */
	| {type: 'daemon'; host: string; step: DeployStep; daemon: string; fate: 'kept' | 'restarted' | 'restart-later' | 'restarted-in-turn'; pid?: number; line: string}
	/** Last event. `hosts` gives each host's result and per-step timings. */
	| {
			type: 'deploy-end';
			ok: boolean;
			phase: DeployPhase;
			ms: number;
			error?: string;
			hosts: Array<{host: string; state: HostState; release?: string; stepMs: Partial<Record<DeployStep, number>>; rollbackErrors?: string[]}>;
			/** Locks this deploy could not release (the host stopped answering). */
			locksLeft?: LockLeft[];
	  };
