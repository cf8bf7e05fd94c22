import {randomBytes} from 'node:crypto';
import {setMaxListeners} from 'node:events';
import {createWriteStream, mkdirSync, type WriteStream} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {InstanceConfig} from '../config/amprun.js';
import {errorMessage} from '../errors.js';
import {ampzeroHome} from '../hub/open.js';
import type {AgentClient, RemoteSession} from './agent-client.js';
import type {CurrentRecord} from './agent/host-files.js';
import type {DeployHostConfig, DeploymentConfig} from './config.js';
import {DeployEventStream} from './event-stream.js';
import type {DeployEvent, DeployPhase, DeployStep, HostState} from './events.js';
import {healthUrlOf} from './health.js';
import {newHostRun, StepFailure, type HostRun} from './host-run.js';
import {redactSecrets} from './redact.js';
import type {BuildStep, BuiltRelease} from './release.js';

export interface DeployOptions {
	instanceDirectory: string;
	/** The ampzero checkout whose HEAD becomes the ampify release. */
	checkout: string;
	config: DeploymentConfig;
	/** Only these hosts (`user@host[:port]` as in deployment.yaml). */
	only?: string[];
	dryRun?: boolean;
	rollback?: boolean;
	forceUnlock?: boolean;
	parallel?: number;
	/** Opens the one SSH connection a host gets for the whole deploy. */
	connect: (host: DeployHostConfig) => Promise<RemoteSession>;
}

/** Options of one agent call: data on its stdin, its own timeout, and whether an abort cuts it short (not so for the rollback's own calls). */
export interface CallOptions {
	stdin?: Buffer | NodeJS.ReadableStream;
	timeoutMs?: number;
	abortable?: boolean;
}

function newDeployId(): string {
	return `${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

/** The deploy's abort: every call in flight on every host listens to it (thirty hosts are many more than Node's default warning at ten). */
function abortController(): AbortController {
	const controller = new AbortController();
	setMaxListeners(0, controller.signal);
	return controller;
}

/**
 * What every part of one deploy shares: its hosts and settings, the releases it built, and how it
 * reports (events for the watchers, lines in its log file).
 */
export class DeployContext {
	readonly deployId = newDeployId();
	readonly began = Date.now();
	readonly config: DeploymentConfig;
	readonly kind: 'deploy' | 'rollback';
	readonly parallel: number;
	readonly stepTimeout: number;
	readonly controller = abortController();
	readonly logFile: string;
	/** The selected hosts, in sorted order. */
	readonly hosts: HostRun[];
	/** `--host` targets deployment.yaml does not list. */
	readonly missing: string[];
	phase: DeployPhase = 'planning';
	rollbackFailed = false;
	/** Loaded while planning, before any step needs it. */
	instanceConfig!: InstanceConfig;
	/** Built while planning (not by a rollback to the previous release). */
	ampify?: BuiltRelease;
	instance?: BuiltRelease;
	private readonly stream = new DeployEventStream();
	private readonly log: WriteStream;
	private memberRestarts: Promise<unknown> = Promise.resolve();

	constructor(readonly options: DeployOptions) {
		this.config = options.config;
		this.kind = options.rollback ? 'rollback' : 'deploy';
		this.parallel = options.parallel ?? 30;
		this.stepTimeout = options.config.stepTimeoutMs;
		const logDirectory = path.join(ampzeroHome(), 'deploy-logs');
		mkdirSync(logDirectory, {recursive: true, mode: 0o700});
		this.logFile = path.join(logDirectory, `${path.basename(options.instanceDirectory)}-${this.deployId}.log`);
		this.log = createWriteStream(this.logFile, {flags: 'a', mode: 0o600});
		const only = options.only ?? [];
		const selected = only.length > 0 ? this.config.hosts.filter(host => only.includes(host.target)) : this.config.hosts;
		this.missing = only.filter(target => !this.config.hosts.some(host => host.target === target));
		this.hosts = [...selected].sort((a, b) => a.target.localeCompare(b.target)).map(newHostRun);
	}

	get signal(): AbortSignal {
		return this.controller.signal;
	}

	events(): AsyncIterable<DeployEvent> {
		return this.stream.subscribe();
	}

	note(host: string, step: DeployStep | '-', line: string): void {
		this.log.write(`${new Date().toISOString()} ${host} ${step} ${line}\n`);
	}

	emit(event: DeployEvent): void {
		this.stream.push(event);
	}

	output(host: HostRun, step: DeployStep, text: string): void {
		const line = redactSecrets(text);
		this.note(host.label, step, line);
		this.emit({type: 'host-output', host: host.label, step, line});
	}

	daemonEvent(host: HostRun, step: DeployStep, daemon: string, fate: Extract<DeployEvent, {type: 'daemon'}>['fate'], line: string, pid?: number): void {
		this.note(host.label, step, line);
		this.emit({type: 'daemon', host: host.label, step, daemon, fate, ...(pid === undefined ? {} : {pid}), line});
	}

	setState(host: HostRun, state: HostState): void {
		if (host.state === state) return;
		host.state = state;
		this.emit({type: 'host-state', host: host.label, state});
	}

	setPhase(next: DeployPhase): void {
		this.phase = next;
		this.note('-', '-', `phase ${next}`);
		this.emit({type: 'phase', phase: next, at: Date.now()});
	}

	/** A building step before any host is reached (archive, build, production modules, tarball, patch): shown with its time. */
	readonly buildStep: BuildStep = async (what, work) => {
		const at = Date.now();
		this.note('-', '-', `build ${what}`);
		this.emit({type: 'build-step', what, state: 'running', at});
		try {
			const result = await work();
			this.emit({type: 'build-step', what, state: 'ok', at, ms: Date.now() - at});
			return result;
		} catch (error) {
			this.emit({type: 'build-step', what, state: 'failed', at, ms: Date.now() - at, error: errorMessage(error)});
			throw error;
		}
	};

	/** One agent step on a host; its output lines are shown under `step`. */
	call<T>(host: HostRun, step: DeployStep, agentStep: string, request: Record<string, unknown>, options: CallOptions = {}): Promise<T> {
		return this.agentOf(host).call<T>(agentStep, {...this.target(host), ...request}, {
			timeoutMs: options.timeoutMs ?? this.stepTimeout,
			onLine: line => this.output(host, step, line),
			...(options.abortable === false ? {} : {signal: this.signal}),
			...(options.stdin ? {stdin: options.stdin} : {}),
		});
	}

	/** Keyspace members restart one at a time across hosts: each is healthy, with a quorum, before the next stops. */
	oneMemberAtATime<T>(work: () => Promise<T>): Promise<T> {
		const next = this.memberRestarts.then(work, work);
		this.memberRestarts = next.catch(() => {});
		return next;
	}

	/** The releases this deploy switches to. */
	current(): CurrentRecord {
		return {ampify: this.ampify!.name, instance: this.instance!.name};
	}

	/** Where the health check asks this host, as a client would (see healthUrlOf). */
	healthUrl(host: HostRun): string {
		return healthUrlOf(host.config, host.entry, this.instanceConfig, this.config.healthPath, host.session?.resolved?.hostName);
	}

	/** What the host's history keeps of this deploy: appended by the unlock step, while the lock is still held. */
	historyRecord(host: HostRun, result: 'done' | 'rolled-back' | 'aborted'): Record<string, unknown> {
		return {
			deployId: this.deployId,
			kind: this.kind,
			who: `${os.userInfo().username}@${os.hostname()}`,
			from: os.hostname(),
			at: new Date(this.began).toISOString(),
			endedAt: new Date().toISOString(),
			before: host.status?.current ?? null,
			result: host.state === 'failed' ? 'failed' : result,
			...(host.error ? {error: host.error} : {}),
		};
	}

	/** The last event (each host's result), then every connection, the event stream and the log file are closed. */
	async finish(ok: boolean, error?: string): Promise<boolean> {
		this.note('-', '-', `end ok=${ok}${error ? ` ${error}` : ''}`);
		this.emit({
			type: 'deploy-end',
			ok,
			phase: this.phase,
			ms: Date.now() - this.began,
			...(error ? {error} : {}),
			hosts: this.hosts.map(host => ({host: host.label, state: host.state, ...(host.release ? {release: host.release} : {}), stepMs: host.stepMs, ...(host.rollbackErrors.length > 0 ? {rollbackErrors: host.rollbackErrors} : {})})),
			locksLeft: this.hosts.filter(host => host.lockLeft || host.lockTaken).map(host => ({host: host.label, file: `${host.config.root}/dist/lock-file`})),
		});
		await this.closeAll();
		this.stream.end();
		this.log.end();
		return ok;
	}

	private agentOf(host: HostRun): AgentClient {
		if (!host.agent) throw new StepFailure('not connected');
		return host.agent;
	}

	/** What every agent step is told of the instance, and of the host it runs on. */
	private target(host: HostRun): Record<string, unknown> {
		return {
			name: this.instanceConfig.name,
			setup: this.instanceConfig.setup,
			...(host.entry ? {as: host.entry.name} : {}),
			embeddedHub: this.instanceConfig.hub === 'embedded',
			timeoutMs: Math.max(1000, this.stepTimeout - 2000),
		};
	}

	private async closeAll(): Promise<void> {
		await Promise.all(this.hosts.map(async host => host.agent?.close().catch(() => {})));
		for (const host of this.hosts) {
			try {
				host.session?.close();
			} catch {
				// already closed
			}
		}
	}
}
