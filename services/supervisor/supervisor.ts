import {mkdirSync} from 'node:fs';
import {AmpError, errorMessage} from '../errors.js';
import {formatDelay} from './crash-policy.js';
import {EventFanout} from './event-fanout.js';
import type {NatStatus} from '../nat/nat-status.js';
import {describeRemoteChange, RemoteWatch} from './remote-watch.js';
import type {DaemonStatus, RunInfo, SupervisorCommand, SupervisorEvent} from './events.js';
import {defaultMaxLineLength} from './log-lines.js';
import {ManagedDaemon, type OutputLimits} from './managed-daemon.js';
import {adoptableDaemons, type PidRecord} from './pid-files.js';
import {assertPortsFree} from './port-holders.js';
import {signalGroup, waitGroupEmpty} from '../system/proc.js';
import {describeProbe, probeAttempt, probeAttemptBoundMs, type ProbeAttempt} from './probes.js';
import {stallCredit} from './stall-credit.js';
import {watchStrayDaemons} from './stray-daemons.js';
import {watchDiskRoom} from './disk-room.js';
import {LineBatches} from './line-batches.js';
import {defaultRotation} from './daemon-log-file.js';
import type {StartOutcome, SupervisorOptions} from './supervisor-options.js';
import {dependencyLevels} from './topology.js';

export type {StartOutcome, SupervisorOptions} from './supervisor-options.js';

const lastLinesShown = 20;
const maxNoticesKept = 50;

/**
 * Runs the daemons of an instance: dependency order, readiness, restarts with backoff, logs to
 * files and rings, graceful and forced stop. Knows nothing of screens: watchers subscribe to its
 * events (or iterate them) and send it commands.
 */
export class Supervisor {
	private readonly daemons = new Map<string, ManagedDaemon>();
	private readonly levels: string[][];
	private readonly fanout = new EventFanout();
	private readonly lines: LineBatches;
	private readonly options: Required<Omit<SupervisorOptions, 'crashPolicy' | 'limits' | 'remote'>> & Pick<SupervisorOptions, 'crashPolicy'>;
	private readonly remote: RemoteWatch | undefined;
	private shuttingDown: 'stopped' | 'quit' | undefined;
	private shutdown: Promise<void> | undefined;
	private startFailure: StartOutcome | undefined;
	private exitEmitted = false;
	private readonly exitTasks: Array<() => Promise<void>> = [];
	private exitResolve!: (reason: 'stopped' | 'quit' | 'failed') => void;
	private readonly watches: Array<{stop(): void}> = [];
	/** Resolves once every daemon is down after stop-all or quit-all. */
	readonly exited: Promise<'stopped' | 'quit' | 'failed'>;

	constructor(options: SupervisorOptions) {
		this.levels = dependencyLevels(options.specs);
		this.options = {
			probeIntervalMs: 25,
			flushIntervalMs: 50,
			maxBatchLines: 1000,
			snapshotLines: 500,
			...options,
		};
		this.lines = new LineBatches(() => this.daemons.values(), event => this.emit(event), this.options.flushIntervalMs, this.options.maxBatchLines);
		const limits: OutputLimits = {
			ringLines: 5000,
			ringBytes: 2 * 1024 * 1024,
			maxLineLength: defaultMaxLineLength,
			rotation: defaultRotation,
			...options.limits,
		};
		mkdirSync(options.files.logs, {recursive: true});
		mkdirSync(options.files.pids, {recursive: true});
		for (const spec of options.specs) {
			this.daemons.set(
				spec.name,
				new ManagedDaemon(spec, options.files, limits, options.crashPolicy, (daemon, lines) => this.lines.queue(daemon, lines)),
			);
		}
		this.exited = new Promise(resolve => {
			this.exitResolve = resolve;
		});
		if (options.remote && options.remote.length > 0) {
			this.remote = new RemoteWatch(options.remote, (remote, changed) => {
				this.options.info = {...this.options.info, remote};
				this.emit({type: 'remote-state', remote});
				for (const dependency of changed) this.notice(describeRemoteChange(dependency));
			});
			this.options.info = {...this.options.info, remote: this.remote.list};
		}
	}

	get info(): RunInfo {
		return this.options.info;
	}

	/** Updates what the header shows (the login link, once the live redis answers). */
	updateInfo(change: Partial<RunInfo>): void {
		this.options.info = {...this.options.info, ...change};
		this.emit({type: 'run-info', info: this.options.info});
	}

	/** The NAT mapping's state: kept in the info (for snapshots and `status`) and sent as an event. */
	setNat(nat: NatStatus): void {
		this.options.info = {...this.options.info, nat};
		this.emit({type: 'nat-state', nat});
	}

	/** Work to finish once every daemon is down and before watchers hear the supervisor exit (removing the NAT mapping). */
	beforeExit(task: () => Promise<void>): void {
		this.exitTasks.push(task);
	}

	/** A line for the user that belongs to no daemon; kept in the info for watchers that attach later. */
	notice(text: string): void {
		// The newest few: a long run retrying an unreachable hub must not grow every snapshot without end.
		this.options.info = {...this.options.info, notices: [...(this.options.info.notices ?? []), text].slice(-maxNoticesKept)};
		this.emit({type: 'notice', text});
	}

	/** Ends the run before any daemon started (the port check failed): watchers hear why. */
	abort(daemon: string, error: string, details: string[]): void {
		this.emit({type: 'run-failed', daemon, error, lastLines: details});
		if (this.exitEmitted) return;
		this.exitEmitted = true;
		for (const watch of this.watches.splice(0)) watch.stop();
		for (const managed of this.daemons.values()) managed.log.close();
		this.emit({type: 'supervisor-exit', reason: 'failed'});
		this.exitResolve('failed');
	}

	subscribe(listener: (event: SupervisorEvent) => void): () => void {
		return this.fanout.subscribe(listener);
	}

	/** Every event from now on, starting with a snapshot; ends after `supervisor-exit`. */
	events(): AsyncIterableIterator<SupervisorEvent> {
		return this.fanout.iterate(this.snapshot());
	}

	snapshot(): Extract<SupervisorEvent, {type: 'snapshot'}> {
		this.lines.flush();
		const logs: Record<string, string[]> = {};
		for (const [name, daemon] of this.daemons) logs[name] = daemon.ring.tail(this.options.snapshotLines);
		return {type: 'snapshot', info: this.options.info, daemons: this.statuses(), logs};
	}

	statuses(): DaemonStatus[] {
		return [...this.daemons.values()].map(daemon => ({...daemon.status}));
	}

	/** A daemon's recent lines from its ring. */
	recentLines(name: string, limit?: number): string[] {
		return this.daemons.get(name)?.ring.tail(limit) ?? [];
	}

	/**
	 * Adopts the daemons a killed supervisor left running (their pid files checked: the same
	 * process, run the same way), checks the ports of the others are free, then starts each of
	 * those as soon as its dependencies are ready (or at once, when it waits for them itself).
	 * Resolves when all are ready, or with the first daemon that failed to become ready.
	 */
	async start(): Promise<StartOutcome> {
		const adopted = adoptableDaemons(this.options.files.pids, this.options.specs);
		assertPortsFree([...this.daemons.values()].filter(daemon => !adopted.has(daemon.spec.name)).map(daemon => daemon.spec));
		const began = Date.now();
		this.remote?.start();
		this.watches.push(watchDiskRoom(this.options.files.logs, text => this.notice(text)));
		if (adopted.size > 0) {
			this.notice(`adopted what the previous supervisor left running: ${[...adopted.values()].map(record => `${record.daemon} (pid ${record.pid})`).join(', ')}`);
		}
		const readiness = new Map<string, Promise<boolean>>();
		const bringUp = async (daemon: ManagedDaemon): Promise<boolean> => {
			const waiting = Promise.all(daemon.spec.dependsOn.map(name => readiness.get(name)!));
			// A daemon started beside its dependencies cannot answer before they do (nginx's probe goes through
			// to an ampnode): its whole readiness time starts again when they are ready.
			const clockAfter = daemon.spec.waitsForDependencies && daemon.spec.dependsOn.length > 0 ? waiting : undefined;
			const record = adopted.get(daemon.spec.name);
			if (record) return this.launchAndAwaitReady(daemon, true, record, clockAfter);
			// Launched here and now, in dependency order: the daemons everything waits for (keyspace, redis) are spawned first.
			if (daemon.spec.dependsOn.length === 0 && !daemon.spec.waitsForRemote) return this.launchAndAwaitReady(daemon);
			if (daemon.spec.waitsForRemote && !(await this.awaitRemoteDependencies(daemon))) return false;
			if (daemon.spec.waitsForDependencies) {
				const [own, dependencies] = await Promise.all([this.launchAndAwaitReady(daemon, true, undefined, clockAfter), waiting]);
				return own && dependencies.every(Boolean);
			}
			const dependencies = await waiting;
			if (!dependencies.every(Boolean) || this.shuttingDown) {
				if (!this.shuttingDown) this.setState(daemon, 'pending', `waiting for ${daemon.spec.dependsOn.join(', ')}, which did not start`);
				return false;
			}
			return this.launchAndAwaitReady(daemon);
		};
		for (const name of this.levels.flat()) readiness.set(name, bringUp(this.daemons.get(name)!));
		// Every adopted daemon is ours from here (adopt runs before bringUp's first await): any other copy is a stray.
		this.watches.push(
			watchStrayDaemons(this.options.files.pids, () => ({managed: new Set([...this.daemons.values()].flatMap(daemon => (daemon.pid === undefined ? [] : [daemon.pid]))), programs: [...this.daemons.values()].map(daemon => daemon.spec.command)}), text => this.notice(text)),
		);
		const results = await Promise.all(readiness.values());
		if (results.every(Boolean)) {
			const elapsedMs = Date.now() - began;
			this.emit({type: 'run-ready', elapsedMs});
			return {ok: true, elapsedMs};
		}
		return this.startFailure ?? {ok: false, daemon: '', error: 'stopped before every daemon was ready', lastLines: []};
	}

	/** Holds a daemon back (pending, saying why) until every remote dependency answers; false when the run stops meanwhile. */
	private async awaitRemoteDependencies(daemon: ManagedDaemon): Promise<boolean> {
		if (!this.remote || this.remote.allReachable()) return !this.shuttingDown;
		// Checked once right away; only a dependency still away after that holds the daemon back with a reason.
		await Promise.race([this.remote.whenAllReachable(), new Promise(resolve => setTimeout(resolve, 1600))]);
		if (!this.remote.allReachable() && !this.shuttingDown) {
			this.setState(daemon, 'pending', `waiting for ${this.remote.describeUnreachable()}`);
			await this.remote.whenAllReachable();
		}
		return !this.shuttingDown;
	}

	async handle(command: SupervisorCommand): Promise<void> {
		switch (command.type) {
			case 'stop-all':
				return this.stopAll(Array.isArray(command.keep) ? command.keep.filter(name => typeof name === 'string') : []);
			case 'quit-all':
				return this.quitAll();
			default: {
				const daemon = this.daemons.get(command.daemon);
				if (!daemon) throw new AmpError(`no daemon named "${command.daemon}" in this run (daemons: ${[...this.daemons.keys()].join(', ')})`);
				if (this.shuttingDown) return;
				if (command.type === 'stop') return this.stopDaemon(daemon);
				if (command.type === 'restart') {
					await this.stopDaemon(daemon);
					daemon.status.restarts += 1;
				}
				if (daemon.running && command.type === 'start') return;
				daemon.crashes.reset();
				await this.launchAndAwaitReady(daemon, false);
			}
		}
	}

	/**
	 * SIGTERM each group in reverse dependency order, SIGKILL after its timeout; resolves when no process
	 * is left. The daemons named in `keep` (a deploy keeps what it does not change) go on running, their
	 * pid files left for the next supervisor to adopt them.
	 */
	stopAll(keep: readonly string[] = []): Promise<void> {
		this.shutdown ??= this.shutDown('stopped', async () => {
			const left: string[] = [];
			for (const level of [...this.levels].reverse()) {
				await Promise.all(
					level.map(async name => {
						const daemon = this.daemons.get(name)!;
						if (!keep.includes(name) || daemon.pid === undefined) return this.stopDaemon(daemon);
						left.push(`${name} (pid ${daemon.pid})`);
						daemon.leave();
					}),
				);
			}
			if (left.length > 0) this.notice(`left running for the next supervisor to adopt: ${left.join(', ')}`);
		});
		return this.shutdown;
	}

	/** SIGKILL every group at once. */
	quitAll(): Promise<void> {
		if (this.shuttingDown === 'quit') return this.shutdown!;
		const quit = this.shutDown('quit', async () => {
			await Promise.all([...this.daemons.values()].map(daemon => this.stopDaemon(daemon, 'SIGKILL')));
		});
		this.shutdown = quit;
		return quit;
	}

	private async shutDown(reason: 'stopped' | 'quit', stopEverything: () => Promise<void>): Promise<void> {
		this.shuttingDown = reason;
		this.remote?.stop();
		for (const watch of this.watches.splice(0)) watch.stop();
		for (const daemon of this.daemons.values()) clearTimeout(daemon.restartTimer);
		await stopEverything();
		await Promise.all(this.exitTasks.map(task => task().catch(() => {})));
		this.lines.flush();
		for (const daemon of this.daemons.values()) daemon.log.close();
		if (this.exitEmitted) return;
		this.exitEmitted = true;
		this.emit({type: 'supervisor-exit', reason});
		this.exitResolve(reason);
	}

	/**
	 * Launches the daemon (or adopts the process `adopt` names) and waits until its readiness probe passes,
	 * within its readiness time, counted again from when `clockAfter` settles (its dependencies ready).
	 */
	private async launchAndAwaitReady(daemon: ManagedDaemon, partOfStart = true, adopt?: PidRecord, clockAfter?: Promise<unknown>): Promise<boolean> {
		let deadline = Date.now() + daemon.spec.readyTimeoutMs;
		// Until its dependencies settle (each within its own readiness time) the daemon's time does not run out.
		let waitingForDependencies = clockAfter !== undefined;
		const countAgain = (): void => {
			waitingForDependencies = false;
			deadline = Math.max(deadline, Date.now() + daemon.spec.readyTimeoutMs);
		};
		void clockAfter?.then(countAgain, countAgain);
		if (adopt) {
			daemon.adopt(adopt, (code, signal, generation) => this.onExit(daemon, code, signal, generation));
			this.setState(daemon, 'starting', 'adopted: checking it still answers');
		} else {
			this.launch(daemon);
		}
		let lastAttempt: ProbeAttempt | undefined;
		const stalls = stallCredit(daemon.spec.readyTimeoutMs);
		for (;;) {
			const generation = daemon.generation;
			const state = daemon.status.state;
			if (state === 'ready') return true;
			if (state === 'failed' || state === 'stopping' || state === 'stopped' || this.shuttingDown) {
				if (state === 'failed' && partOfStart) this.failStart(daemon, daemon.status.reason ?? 'failed');
				return false;
			}
			if (!waitingForDependencies && Date.now() >= deadline) {
				const lastTry = lastAttempt && !lastAttempt.passed && lastAttempt.why !== '' ? `; last try: ${lastAttempt.why}` : '';
				const why = `not ready after ${Math.round(daemon.spec.readyTimeoutMs / 1000)} s (${describeProbe(daemon.spec)}${lastTry})`;
				await this.stopDaemon(daemon, 'SIGKILL');
				this.setState(daemon, 'failed', why);
				if (partOfStart) this.failStart(daemon, why);
				return false;
			}
			if (state === 'starting' && daemon.running) {
				const probedAt = Date.now();
				lastAttempt = await this.probe(daemon);
				if (lastAttempt.passed && daemon.generation === generation && daemon.status.state === 'starting') {
					this.setState(daemon, 'ready');
					return true;
				}
				deadline += stalls.after(probedAt, probeAttemptBoundMs(daemon.spec.ready));
			}
			const sleptAt = Date.now();
			await sleep(this.options.probeIntervalMs);
			deadline += stalls.after(sleptAt, this.options.probeIntervalMs);
		}
	}

	private async probe(daemon: ManagedDaemon): Promise<ProbeAttempt> {
		const probe = daemon.spec.ready;
		if (probe.kind === 'log') return daemon.sawReadyLine ? {passed: true} : {passed: false, why: ''};
		return probeAttempt(probe);
	}

	private launch(daemon: ManagedDaemon): void {
		if (this.shuttingDown) return;
		clearTimeout(daemon.restartTimer);
		daemon.spawn(
			(code, signal, generation) => this.onExit(daemon, code, signal, generation),
			(error, generation) => {
				if (generation !== daemon.generation) return;
				daemon.forgetProcess();
				this.setState(daemon, 'failed', `could not start ${daemon.spec.command}: ${errorMessage(error)}`);
			},
		);
		if (daemon.child?.pid !== undefined) this.setState(daemon, 'starting');
	}

	private onExit(daemon: ManagedDaemon, code: number | null, signal: NodeJS.Signals | null, generation: number): void {
		if (generation !== daemon.generation) return;
		const startedAt = daemon.status.startedAt ?? Date.now();
		const pgid = daemon.pid;
		// The leader is gone: whatever it left in its group must not outlive it.
		if (pgid !== undefined) signalGroup(pgid, 'SIGKILL');
		daemon.forgetProcess();
		if (daemon.status.state === 'stopping' || this.shuttingDown) return;
		const how = signal ? `was killed by ${signal}` : code === null ? 'ended (adopted: its exit status went elsewhere)' : `exited with code ${code}`;
		const decision = daemon.crashes.recordCrash(Date.now(), startedAt);
		if (decision.action === 'fail') {
			this.setState(daemon, 'failed', `${how}; crashed ${decision.crashesInWindow} times within a minute, left down (restart it when fixed)`);
			return;
		}
		this.setState(daemon, 'crashed', `${how}; restarting in ${formatDelay(decision.delayMs)}`);
		daemon.restartTimer = setTimeout(() => {
			if (this.shuttingDown || daemon.status.state !== 'crashed') return;
			daemon.status.restarts += 1;
			void this.launchAndAwaitReady(daemon, false);
		}, decision.delayMs);
	}

	private async stopDaemon(daemon: ManagedDaemon, signal: NodeJS.Signals = daemon.spec.stopSignal): Promise<void> {
		clearTimeout(daemon.restartTimer);
		const pgid = daemon.pid;
		if (pgid === undefined) {
			daemon.generation++;
			if (daemon.status.state !== 'failed') this.setState(daemon, 'stopped');
			return;
		}
		this.setState(daemon, 'stopping');
		const exited = daemon.whenExited();
		signalGroup(pgid, signal);
		if (!(await waitGroupEmpty(pgid, signal === 'SIGKILL' ? 5000 : daemon.spec.stopTimeoutMs))) {
			signalGroup(pgid, 'SIGKILL');
			await waitGroupEmpty(pgid, 5000);
		}
		await Promise.race([exited, sleep(1000)]);
		daemon.generation++;
		daemon.forgetProcess();
		this.setState(daemon, 'stopped');
	}

	private failStart(daemon: ManagedDaemon, error: string): void {
		if (this.startFailure) return;
		const lastLines = daemon.ring.tail(lastLinesShown);
		this.startFailure = {ok: false, daemon: daemon.spec.name, error, lastLines};
		this.emit({type: 'run-failed', daemon: daemon.spec.name, error, lastLines});
	}

	private setState(daemon: ManagedDaemon, state: DaemonStatus['state'], reason?: string): void {
		daemon.status.state = state;
		if (reason === undefined) delete daemon.status.reason;
		else daemon.status.reason = reason;
		this.lines.flush(daemon);
		this.emit({type: 'daemon-state', daemon: {...daemon.status}});
	}

	private emit(event: SupervisorEvent): void {
		this.fanout.emit(event);
	}
}

function sleep(ms: number): Promise<void> {
	return new Promise(resolve => setTimeout(resolve, ms));
}
