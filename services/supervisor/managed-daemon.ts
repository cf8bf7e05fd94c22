import {spawn, type ChildProcess} from 'node:child_process';
import {closeSync} from 'node:fs';
import path from 'node:path';
import {CrashPolicy, type CrashPolicyOptions} from './crash-policy.js';
import {DaemonLogFile, type RotationOptions} from './daemon-log-file.js';
import type {DaemonStatus} from './events.js';
import {LineSplitter} from './log-lines.js';
import {lastLogLines} from './log-tail.js';
import {processStartedAt, removePidFile, runMarkerVariable, writePidFile, type PidRecord} from './pid-files.js';
import {processStat} from '../system/proc.js';
import {LineRing} from './ring-buffer.js';
import type {DaemonSpec} from './spec.js';

/** How often an adopted daemon (not our child: no exit event) is checked for life. */
const adoptedPollMs = 50;

export interface OutputLimits {
	ringLines: number;
	ringBytes: number;
	maxLineLength: number;
	rotation: RotationOptions;
}

export interface DaemonFiles {
	logs: string;
	pids: string;
}

/**
 * One daemon as the supervisor keeps it: its process (in its own process group), its status,
 * its log file and ring of recent lines. The supervisor decides when to start and stop it.
 */
export class ManagedDaemon {
	readonly status: DaemonStatus;
	readonly ring: LineRing;
	readonly log: DaemonLogFile;
	readonly crashes: CrashPolicy;
	child: ChildProcess | undefined;
	/** Bumped on every start and stop, so a stale readiness poll or exit handler knows to give up. */
	generation = 0;
	/** Lines not yet sent to watchers, and how many were left out of the batch under a flood. */
	unsent: string[] = [];
	unsentSkipped = 0;
	restartTimer: NodeJS.Timeout | undefined;
	/** Set while the process is one a killed supervisor left and this one adopted (no child handle, watched through /proc). */
	adopted = false;
	/** Set when a line matches the log readiness pattern of the current process. */
	sawReadyLine = false;
	private readonly readyPattern: RegExp | undefined;
	private exited: Promise<void> = Promise.resolve();
	private adoptedWatch: NodeJS.Timeout | undefined;
	private readonly splitter: LineSplitter;

	constructor(
		readonly spec: DaemonSpec,
		private readonly files: DaemonFiles,
		limits: OutputLimits,
		crashPolicy: CrashPolicyOptions | undefined,
		private readonly onLines: (daemon: ManagedDaemon, lines: string[]) => void,
	) {
		this.status = {name: spec.name, state: 'pending', restarts: 0, ...(spec.port !== undefined ? {port: spec.port} : {})};
		this.ring = new LineRing(limits.ringLines, limits.ringBytes);
		this.splitter = new LineSplitter(limits.maxLineLength);
		this.log = new DaemonLogFile(path.join(files.logs, `${spec.name}.log`), chunk => this.lines(this.splitter.push(chunk)), limits.rotation);
		this.crashes = new CrashPolicy(crashPolicy);
		this.readyPattern = spec.ready.kind === 'log' ? new RegExp(spec.ready.pattern) : undefined;
	}

	get pid(): number | undefined {
		return this.status.pid;
	}

	/** A process runs for it: a child this supervisor spawned, or one it adopted. */
	get running(): boolean {
		return this.child !== undefined || this.adopted;
	}

	/** The command line this daemon's pid file records, and an adopted process must still match. */
	get argv(): string[] {
		return [this.spec.command, ...this.spec.args];
	}

	/**
	 * Takes over a process a killed supervisor left (its pid file checked by `adoptable`): same pid,
	 * start time and restart count, its log followed from where the file ends now (the ring starts
	 * with the file's last lines), its death noticed through /proc.
	 */
	adopt(record: PidRecord, onExit: (code: number | null, signal: NodeJS.Signals | null, generation: number) => void): void {
		const generation = ++this.generation;
		this.adopted = true;
		this.sawReadyLine = true;
		this.status.pid = record.pid;
		this.status.restarts = record.restarts ?? 0;
		this.status.startedAt = record.startedAt ?? processStartedAt(record.pid) ?? Date.now();
		this.ring.pushAll(lastLogLines(this.log.file, 200));
		this.log.follow();
		this.exited = new Promise(resolve => {
			this.adoptedWatch = setInterval(() => {
				const stat = processStat(record.pid);
				if (stat && stat.state !== 'Z' && stat.startTime === record.startTime) return;
				clearInterval(this.adoptedWatch);
				this.adoptedWatch = undefined;
				resolve();
				// Not our child: its exit status went to whoever reaped it.
				onExit(null, null, generation);
			}, adoptedPollMs);
		});
	}

	/** Spawns the process detached: a new session and process group whose id is its pid. */
	spawn(onExit: (code: number | null, signal: NodeJS.Signals | null, generation: number) => void, onSpawnError: (error: Error, generation: number) => void): void {
		const generation = ++this.generation;
		this.sawReadyLine = false;
		this.adopted = false;
		// Its stdout and stderr are its log file, not pipes to this process: they outlive a supervisor killed with -9.
		this.log.follow();
		this.log.poll();
		const output = this.log.openForDaemon();
		let child: ChildProcess;
		try {
			// child_process, not execa: a long-lived daemon in its own process group (stopped by group, tracked by pid file).
			child = spawn(this.spec.command, this.spec.args, {
				cwd: this.spec.cwd,
				env: {...process.env, ...this.spec.env, [runMarkerVariable]: this.files.pids},
				detached: true,
				stdio: ['ignore', output, output],
				...(this.spec.user ? {uid: this.spec.user.uid, gid: this.spec.user.gid} : {}),
			});
		} finally {
			closeSync(output);
		}
		this.child = child;
		this.exited = new Promise(resolve => {
			child.once('exit', (code, signal) => {
				// The last lines it wrote, before anyone hears it is gone.
				this.log.poll();
				this.lines(this.splitter.flush());
				resolve();
				onExit(code, signal, generation);
			});
			child.once('error', error => {
				if (child.pid === undefined) {
					resolve();
					onSpawnError(error, generation);
				}
			});
		});
		if (child.pid !== undefined) {
			this.status.pid = child.pid;
			this.status.startedAt = Date.now();
			try {
				writePidFile(this.files.pids, this.spec.name, child.pid, this.argv, {restarts: this.status.restarts, startedAt: this.status.startedAt, ...(this.spec.fingerprint ? {fingerprint: this.spec.fingerprint} : {})});
			} catch {
				// A full disk: the daemon runs all the same, and its process group is still known to this supervisor.
			}
		}
	}

	/** Resolves when the current process's `exit` event has been handled. */
	whenExited(): Promise<void> {
		return this.exited;
	}

	/**
	 * Lets the process go on without this supervisor (a stop that keeps it for the next one): no
	 * longer watched, its pid file left for the next supervisor to adopt it by.
	 */
	leave(): void {
		this.generation++;
		clearInterval(this.adoptedWatch);
		this.adoptedWatch = undefined;
		this.child?.removeAllListeners('exit');
		this.child?.unref();
		this.child = undefined;
		this.adopted = false;
	}

	forgetProcess(): void {
		this.child = undefined;
		this.adopted = false;
		clearInterval(this.adoptedWatch);
		this.adoptedWatch = undefined;
		delete this.status.pid;
		delete this.status.startedAt;
		try {
			removePidFile(this.files.pids, this.spec.name);
		} catch {
			// Nothing to do about it here; the next supervisor checks the start time of any pid it reads.
		}
	}

	private lines(lines: string[]): void {
		if (lines.length === 0) return;
		this.ring.pushAll(lines);
		if (this.readyPattern && !this.sawReadyLine && lines.some(line => this.readyPattern!.test(line))) this.sawReadyLine = true;
		this.onLines(this, lines);
	}
}
