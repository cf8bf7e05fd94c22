import type {CrashPolicyOptions} from './crash-policy.js';
import type {RemoteTarget, RunInfo} from './events.js';
import type {DaemonFiles, OutputLimits} from './managed-daemon.js';
import type {DaemonSpec} from './spec.js';

/** What a Supervisor is given: its daemons, where their files go, and how it batches and probes. */
export interface SupervisorOptions {
	specs: DaemonSpec[];
	/** `runPaths(config)`: log files go to `logs`, pid files to `pids`. */
	files: DaemonFiles;
	info: RunInfo;
	crashPolicy?: CrashPolicyOptions;
	limits?: Partial<OutputLimits>;
	/** How often readiness probes are retried. */
	probeIntervalMs?: number;
	/** How often batched log lines go out to watchers, and the most lines one batch carries. */
	flushIntervalMs?: number;
	maxBatchLines?: number;
	/** Lines of each daemon in a snapshot. */
	snapshotLines?: number;
	/** Daemons of other hosts this run relies on: watched, shown, and waited for by daemons that `waitsForRemote`. */
	remote?: RemoteTarget[];
}

export type StartOutcome = {ok: true; elapsedMs: number} | {ok: false; daemon: string; error: string; lastLines: string[]};
