import {spawn, type ChildProcess} from 'node:child_process';
import path from 'node:path';
import {CrashPolicy, type CrashPolicyOptions} from './crash-policy.js';
import type {DaemonStatus} from './events.js';
import {LineSplitter} from './log-lines.js';
import {removePidFile, runMarkerVariable, writePidFile} from './pid-files.js';
import {LineRing} from './ring-buffer.js';
import {RotatingLogFile, type RotationOptions} from './rotating-log.js';
import type {DaemonSpec} from './spec.js';

/** A read this large says the daemon is writing faster than it is read (pipe reads are 64 kB at most). */
const yieldAfterBytes = 16 * 1024;

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
	readonly log: RotatingLogFile;
	readonly crashes: CrashPolicy;
	child: ChildProcess | undefined;
	/** Bumped on every start and stop, so a stale readiness poll or exit handler knows to give up. */
	generation = 0;
	/** Lines not yet sent to watchers, and how many were left out of the batch under a flood. */
	unsent: string[] = [];
	unsentSkipped = 0;
	restartTimer: NodeJS.Timeout | undefined;
	/** Whether the last write to the log file failed (a full disk): lines are dropped from the file, not from the screen. */
	logFailing = false;
	droppedCountSentAt = 0;
	/** Set when a line matches the log readiness pattern of the current process. */
	sawReadyLine = false;
	private readonly readyPattern: RegExp | undefined;
	private exited: Promise<void> = Promise.resolve();

	constructor(
		readonly spec: DaemonSpec,
		private readonly files: DaemonFiles,
		limits: OutputLimits,
		crashPolicy: CrashPolicyOptions | undefined,
		private readonly onLines: (daemon: ManagedDaemon, lines: string[]) => void,
		/** After a write to the log file dropped lines, and after the first write that worked again. */
		private readonly onLogTrouble: (daemon: ManagedDaemon, dropped: number) => void = () => {},
	) {
		this.status = {name: spec.name, state: 'pending', restarts: 0, ...(spec.port !== undefined ? {port: spec.port} : {})};
		this.ring = new LineRing(limits.ringLines, limits.ringBytes);
		this.log = new RotatingLogFile(path.join(files.logs, `${spec.name}.log`), limits.rotation);
		this.crashes = new CrashPolicy(crashPolicy);
		this.readyPattern = spec.ready.kind === 'log' ? new RegExp(spec.ready.pattern) : undefined;
		this.maxLineLength = limits.maxLineLength;
	}

	private readonly maxLineLength: number;

	get pid(): number | undefined {
		return this.status.pid;
	}

	/** Spawns the process detached: a new session and process group whose id is its pid. */
	spawn(onExit: (code: number | null, signal: NodeJS.Signals | null, generation: number) => void, onSpawnError: (error: Error, generation: number) => void): void {
		const generation = ++this.generation;
		this.sawReadyLine = false;
		// child_process, not execa: a long-lived daemon in its own process group (stopped by group, tracked by pid file), its output streamed line by line.
		const child = spawn(this.spec.command, this.spec.args, {
			cwd: this.spec.cwd,
			env: {...process.env, ...this.spec.env, [runMarkerVariable]: this.files.pids},
			detached: true,
			stdio: ['ignore', 'pipe', 'pipe'],
			...(this.spec.user ? {uid: this.spec.user.uid, gid: this.spec.user.gid} : {}),
		});
		this.child = child;
		const stdout = new LineSplitter(this.maxLineLength);
		const stderr = new LineSplitter(this.maxLineLength);
		for (const [stream, splitter] of [[child.stdout, stdout], [child.stderr, stderr]] as const) {
			stream?.on('data', (chunk: Buffer) => {
				this.output(chunk, splitter);
				// A full read means more is waiting: Node would go on reading the pipe (up to 32 reads
				// of 64 kB in one go) before anything else runs. A pause until the next turn lets the
				// keys of a dashboard in this process (--no-daemon), timers and other daemons in between.
				if (chunk.length >= yieldAfterBytes) {
					stream.pause();
					setImmediate(() => stream.resume());
				}
			});
		}
		child.stdout?.on('end', () => this.lines(stdout.flush()));
		child.stderr?.on('end', () => this.lines(stderr.flush()));
		this.exited = new Promise(resolve => {
			child.once('exit', (code, signal) => {
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
				writePidFile(this.files.pids, this.spec.name, child.pid, [this.spec.command, ...this.spec.args]);
			} catch {
				// A full disk: the daemon runs all the same, and its process group is still known to this supervisor.
			}
		}
	}

	/** Resolves when the current process's `exit` event has been handled. */
	whenExited(): Promise<void> {
		return this.exited;
	}

	forgetProcess(): void {
		this.child = undefined;
		delete this.status.pid;
		delete this.status.startedAt;
		try {
			removePidFile(this.files.pids, this.spec.name);
		} catch {
			// Nothing to do about it here; the next supervisor checks the start time of any pid it reads.
		}
	}

	private output(chunk: Buffer, splitter: LineSplitter): void {
		const dropped = this.log.write(chunk);
		if (dropped > 0 || this.logFailing) this.onLogTrouble(this, dropped);
		this.lines(splitter.push(chunk));
	}

	private lines(lines: string[]): void {
		if (lines.length === 0) return;
		this.ring.pushAll(lines);
		if (this.readyPattern && !this.sawReadyLine && lines.some(line => this.readyPattern!.test(line))) this.sawReadyLine = true;
		this.onLines(this, lines);
	}
}
