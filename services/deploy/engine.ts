import {spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {createReadStream, createWriteStream, mkdirSync, type WriteStream} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {readFile} from 'node:fs/promises';
import {loadInstanceConfig, type InstanceConfig} from '../config/amprun.js';
import type {TopologyHost} from '../config/hosts.js';
import {AmpError, errorMessage} from '../errors.js';
import {ampzeroHome} from '../hub/open.js';
import {AgentClient, type RemoteSession} from './agent-client.js';
import type {MadeByDeploy} from './agent/clean-up.js';
import type {CurrentRecord} from './agent/host-files.js';
import type {LockRecord} from './agent/lock.js';
import type {HostStatus} from './agent/status.js';
import type {StopOldResult} from './agent/stop-start.js';
import type {DeployHostConfig, DeploymentConfig} from './config.js';
import {DeployEventStream} from './event-stream.js';
import {deploySteps, type DeployEvent, type DeployPhase, type DeployPlan, type DeployStep, type HostState} from './events.js';
import {healthUrlOf, waitForHealthy} from './health.js';
import {linkHosts} from './host-link.js';
import {redactSecrets} from './redact.js';
import {eachLine} from './stream-lines.js';
import {buildAmpifyRelease, buildInstanceRelease, cachedRelease, patchBetween, type BuildStep, type BuiltRelease} from './release.js';
import {isAlive} from '../system/proc.js';

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

export interface DeployRun {
	/** Every event from the first, for each subscriber. */
	events(): AsyncIterable<DeployEvent>;
	/** Stops the deploy and rolls back as a failure would (^C, `a` on the screen). */
	abort(reason?: string): void;
	/**
	 * Resolves when the deploy has ended: ok only on success; `rollbackFailed` when a host could not be
	 * put back as it was; `error` when it could not start (bad input, dirty tree…).
	 */
	done: Promise<{ok: boolean; rollbackFailed?: boolean; error?: unknown}>;
}

interface Transfer {
	release: BuiltRelease;
	kind: 'patch' | 'full' | 'present';
	/** Local file sent (patch or full tarball), its name on the host, sha256 and size. */
	file?: string;
	remoteName?: string;
	sha256?: string;
	bytes: number;
	base?: string;
}

interface HostRun {
	config: DeployHostConfig;
	label: string;
	/** Its entry of amprun.yaml `hosts:` (undefined for a single-machine instance). */
	entry?: TopologyHost;
	session?: RemoteSession;
	agent?: AgentClient;
	status?: HostStatus;
	transfers: Transfer[];
	/** What this deploy made on the host: all that a discard may remove. */
	made: MadeByDeploy;
	lockTaken: boolean;
	/** The lock was taken but could not be given back (the host stopped answering). */
	lockLeft: boolean;
	/** What went wrong while putting the host back; empty when the rollback worked. */
	rollbackErrors: string[];
	placeholderOn: boolean;
	stoppedOld: boolean;
	/** Its keyspace member's config changed: kept running through the switch, restarted after start-new, one host at a time. */
	rollKeyspace: boolean;
	switched: boolean;
	state: HostState;
	stepMs: Partial<Record<DeployStep, number>>;
	error?: string;
	release?: string;
}

class StepFailure extends Error {}

const rollbackSteps: DeployStep[] = ['connect', 'lock', 'placeholder-on', 'stop-old', 'switch', 'nginx-upgrade', 'start-new', 'health-check', 'placeholder-off', 'unlock'];

function newDeployId(): string {
	return `${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}


/** A lock whose holder ran on this machine and whose process is gone. Holders on other machines cannot be checked from here. */
export function lockIsStale(lock: LockRecord): boolean {
	return lock.kind !== 'maintenance' && lock.host === os.hostname() && !isAlive(lock.pid);
}

export function describeLock(lock: LockRecord): string {
	if (lock.kind === 'maintenance') return `maintenance by ${lock.who} since ${lock.when} (end it with \`ampzero fleet NAME maintenance off\`)`;
	return `${lock.who} (pid ${lock.pid} on ${lock.host}, since ${lock.when}, deploying ${lock.version})`;
}

async function inPool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
	const queue = [...items];
	const workers = Array.from({length: Math.max(1, Math.min(limit, queue.length))}, async () => {
		for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
	});
	await Promise.all(workers);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	return Promise.race([
		promise.finally(() => clearTimeout(timer)),
		new Promise<never>((_, reject) => {
			timer = setTimeout(() => reject(new StepFailure(`${what} timed out after ${Math.round(ms / 1000)} s`)), ms);
		}),
	]);
}

/**
 * The deploy engine. Every step runs on every host (at most `parallel` at once) and no host starts
 * a step before every host has finished the one before. A failure before the switch puts every host
 * back on its old release; a failure after it switches every host back and restarts the old release.
 */
export function runDeploy(options: DeployOptions): DeployRun {
	const stream = new DeployEventStream();
	const controller = new AbortController();
	const deployId = newDeployId();
	const parallel = options.parallel ?? 30;
	const config = options.config;
	const began = Date.now();
	const logDirectory = path.join(ampzeroHome(), 'deploy-logs');
	mkdirSync(logDirectory, {recursive: true, mode: 0o700});
	const logFile = path.join(logDirectory, `${path.basename(options.instanceDirectory)}-${deployId}.log`);
	const log: WriteStream = createWriteStream(logFile, {flags: 'a', mode: 0o600});
	const note = (host: string, step: DeployStep | '-', line: string): void => {
		log.write(`${new Date().toISOString()} ${host} ${step} ${line}\n`);
	};
	const emit = (event: DeployEvent): void => stream.push(event);
	const output = (host: HostRun, step: DeployStep, text: string): void => {
		const line = redactSecrets(text);
		note(host.label, step, line);
		emit({type: 'host-output', host: host.label, step, line});
	};
	const daemonEvent = (host: HostRun, step: DeployStep, daemon: string, fate: Extract<DeployEvent, {type: 'daemon'}>['fate'], line: string, pid?: number): void => {
		note(host.label, step, line);
		emit({type: 'daemon', host: host.label, step, daemon, fate, ...(pid === undefined ? {} : {pid}), line});
	};
	const setState = (host: HostRun, state: HostState): void => {
		if (host.state === state) return;
		host.state = state;
		emit({type: 'host-state', host: host.label, state});
	};
	let phase: DeployPhase = 'planning';
	const setPhase = (next: DeployPhase): void => {
		phase = next;
		note('-', '-', `phase ${next}`);
		emit({type: 'phase', phase: next, at: Date.now()});
	};

	const selected = options.only && options.only.length > 0 ? config.hosts.filter(host => options.only!.includes(host.target)) : config.hosts;
	const missing = (options.only ?? []).filter(target => !config.hosts.some(host => host.target === target));
	const hosts: HostRun[] = [...selected]
		.sort((a, b) => a.target.localeCompare(b.target))
		.map(host => ({config: host, label: host.target, transfers: [], made: {releases: [], tarballs: [], files: []}, lockTaken: false, lockLeft: false, rollbackErrors: [], placeholderOn: false, stoppedOld: false, rollKeyspace: false, switched: false, state: 'waiting', stepMs: {}}));

	let instanceConfig: InstanceConfig;
	let ampify: BuiltRelease | undefined;
	let instance: BuiltRelease | undefined;
	const kind = options.rollback ? 'rollback' : 'deploy';
	const steps: readonly DeployStep[] = options.rollback ? rollbackSteps : deploySteps;
	const stepTimeout = config.stepTimeoutMs;

	const agentOf = (host: HostRun): AgentClient => {
		if (!host.agent) throw new StepFailure('not connected');
		return host.agent;
	};
	const target = (host: HostRun): Record<string, unknown> => ({
		name: instanceConfig.name,
		setup: instanceConfig.setup,
		...(host.entry ? {as: host.entry.name} : {}),
		embeddedHub: instanceConfig.hub === 'embedded',
		timeoutMs: Math.max(1000, stepTimeout - 2000),
	});
	/** One agent step on a host. Rollback calls pass `abortable: false`: an abort must not cut its own clean-up short. */
	const call = <T>(host: HostRun, step: DeployStep, agentStep: string, request: Record<string, unknown>, extra: {stdin?: Buffer | NodeJS.ReadableStream; timeoutMs?: number; abortable?: boolean} = {}): Promise<T> => {
		void step;
		return agentOf(host).call<T>(agentStep, {...target(host), ...request}, {
			timeoutMs: extra.timeoutMs ?? stepTimeout,
			onLine: line => output(host, step, line),
			...(extra.abortable === false ? {} : {signal: controller.signal}),
			...(extra.stdin ? {stdin: extra.stdin} : {}),
		});
	};

	/** Runs one step on the given hosts; returns the hosts it failed on. */
	const runStep = async (step: DeployStep, on: HostRun[], work: (host: HostRun) => Promise<number | void>): Promise<HostRun[]> => {
		const failed: HostRun[] = [];
		await inPool(on, parallel, async host => {
			const start = Date.now();
			emit({type: 'step-start', host: host.label, step, at: start});
			setState(host, 'running');
			note(host.label, step, 'start');
			try {
				if (controller.signal.aborted) throw new StepFailure('aborted');
				const bytes = await withTimeout(Promise.resolve(work(host)), stepTimeout + 5000, step);
				const ms = Date.now() - start;
				host.stepMs[step] = ms;
				note(host.label, step, `ok in ${ms} ms`);
				emit({type: 'step-end', host: host.label, step, ok: true, ms, ...(typeof bytes === 'number' ? {bytes} : {})});
				setState(host, 'waiting');
			} catch (error) {
				const ms = Date.now() - start;
				host.stepMs[step] = ms;
				host.error = `${step}: ${errorMessage(error)}`;
				note(host.label, step, `failed in ${ms} ms: ${errorMessage(error)}`);
				emit({type: 'step-end', host: host.label, step, ok: false, ms, error: errorMessage(error)});
				setState(host, 'failed');
				failed.push(host);
			}
		});
		return failed;
	};

	/** The same local script once for every host of the step (pre_deploy, post_deploy). */
	const localScript = async (step: DeployStep, script: string | undefined): Promise<HostRun[]> => {
		if (!script) return runStep(step, hosts, async () => {});
		let result: Promise<void> | undefined;
		return runStep(step, hosts, host => {
			result ??= new Promise<void>((resolve, reject) => {
				// child_process, not execa: the hook's output is shown line by line while it runs, on every host's row.
				const child = spawn('bash', ['-c', script], {cwd: options.instanceDirectory, stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, AMPZERO_DEPLOY_ID: deployId, AMPZERO_DEPLOY_HOSTS: hosts.map(h => h.label).join(' ')}});
				const onLine = (line: string): void => {
					if (line !== '') for (const each of hosts) output(each, step, line);
				};
				eachLine(child.stdout, onLine);
				eachLine(child.stderr, onLine);
				const timer = setTimeout(() => child.kill('SIGKILL'), stepTimeout);
				const onAbort = (): void => void child.kill('SIGTERM');
				controller.signal.addEventListener('abort', onAbort, {once: true});
				child.on('error', reject);
				child.on('close', code => {
					clearTimeout(timer);
					controller.signal.removeEventListener('abort', onAbort);
					if (code === 0) resolve();
					else reject(new StepFailure(`${step.replace('-', '_')} script exited ${code}`));
				});
			});
			void host;
			return result;
		});
	};

	/** Where the health check asks this host, as a client would (see healthUrlOf). */
	const healthUrl = (host: HostRun): string => healthUrlOf(host.config, host.entry, instanceConfig, config.healthPath, host.session?.resolved?.hostName);

	/** A building step before any host is reached (archive, build, production modules, tarball, patch): shown with its time. */
	const buildStep: BuildStep = async (what, work) => {
		const at = Date.now();
		note('-', '-', `build ${what}`);
		emit({type: 'build-step', what, state: 'running', at});
		try {
			const result = await work();
			emit({type: 'build-step', what, state: 'ok', at, ms: Date.now() - at});
			return result;
		} catch (error) {
			emit({type: 'build-step', what, state: 'failed', at, ms: Date.now() - at, error: errorMessage(error)});
			throw error;
		}
	};

	const connectHost = async (host: HostRun): Promise<void> => {
		const session = await options.connect(host.config);
		host.session = session;
		host.agent = new AgentClient(session, host.config.root, (line, streamName) => output(host, 'connect', streamName === 'err' ? `! ${line}` : line));
		await host.agent.install(stepTimeout, controller.signal);
		await host.agent.serve(stepTimeout);
		host.status = await call<HostStatus>(host, 'connect', 'status', {});
	};

	/** Chooses per release: already there, a patch against the release the host runs (when this machine still has its tarball), or the full tarball. */
	const planTransfers = async (host: HostRun): Promise<void> => {
		host.transfers = [];
		for (const release of [ampify!, instance!]) {
			const status = host.status!;
			if (status.releases.includes(release.name) && status.tarballs.includes(release.name)) {
				host.transfers.push({release, kind: 'present', bytes: 0});
				continue;
			}
			const prefix = release.name.split('-')[0] as 'ampify' | 'instance';
			const candidates = [status.current?.[prefix], status.previous?.[prefix]].filter((name): name is string => !!name && status.tarballs.includes(name));
			let base: BuiltRelease | undefined;
			for (const name of candidates) if ((base = await cachedRelease(name))) break;
			if (base) {
				const patch = await buildStep(`patch ${base.name} → ${release.name}`, () => patchBetween(base, release));
				if (patch.bytes < release.fullBytes) {
					host.transfers.push({release, kind: 'patch', file: patch.file, remoteName: path.basename(patch.file), sha256: patch.sha256, bytes: patch.bytes, base: base.name});
					continue;
				}
			}
			host.transfers.push({release, kind: 'full', file: release.fullFile, remoteName: path.basename(release.fullFile), sha256: release.fullSha256, bytes: release.fullBytes});
		}
	};

	const send = async (host: HostRun, transfer: Transfer, step: DeployStep): Promise<number> => {
		const received = await call<{bytes: number}>(host, step, 'receive', {file: transfer.remoteName}, {stdin: createReadStream(transfer.file!)});
		return received.bytes;
	};

	const current = (): CurrentRecord => ({ampify: ampify!.name, instance: instance!.name});

	/** What the host's history keeps of this deploy: appended by the unlock step, while the lock is still held. */
	const historyRecord = (host: HostRun, result: 'done' | 'rolled-back' | 'aborted'): Record<string, unknown> => ({
		deployId,
		kind,
		who: `${os.userInfo().username}@${os.hostname()}`,
		from: os.hostname(),
		at: new Date(began).toISOString(),
		endedAt: new Date().toISOString(),
		before: host.status?.current ?? null,
		result: host.state === 'failed' ? 'failed' : result,
		...(host.error ? {error: host.error} : {}),
	});

	/**
	 * Stops what the release `to` changes (stateless daemons always; daemons that keep state only when
	 * their files or config changed) and keeps the rest running for the new supervisor to adopt.
	 */
	const stopOld = async (host: HostRun, step: DeployStep, to: CurrentRecord | undefined, abortable = true): Promise<void> => {
		const result = await call<StopOldResult>(host, step, 'stop-old', to ? {to} : {}, {abortable});
		host.rollKeyspace = result.rollKeyspace === true;
		const words = {
			kept: (pid?: number) => `kept running (pid ${pid ?? '?'}): its files and config did not change`,
			restarted: () => 'restarted (config changed)',
			'restart-later': () => 'keeps running for now: its config changed; restarted after start-new, one member at a time',
		};
		for (const daemon of result.daemons ?? []) daemonEvent(host, step, daemon.label, daemon.fate, `${daemon.label} ${words[daemon.fate](daemon.pid)}`, daemon.pid);
	};

	/** Keyspace members restart one at a time across hosts: each is healthy, with a quorum, before the next stops. */
	let memberRestarts: Promise<unknown> = Promise.resolve();
	const oneMemberAtATime = <T>(work: () => Promise<T>): Promise<T> => {
		const next = memberRestarts.then(work, work);
		memberRestarts = next.catch(() => {});
		return next;
	};

	/** `ampzero run` of the release now current; then, when its keyspace member's config changed, that member's restart in turn. */
	const startNew = async (host: HostRun, step: DeployStep, abortable = true): Promise<void> => {
		await call(host, step, 'start-new', {adoptChanged: host.rollKeyspace ? ['keyspace'] : []}, {abortable});
		if (!host.rollKeyspace) return;
		const member = host.entry?.keyspace === undefined ? 'keyspace' : `keyspace-${host.entry.keyspace}`;
		const restarted = await oneMemberAtATime(() => call<{before?: number; after: number; ms: number}>(host, step, 'restart-keyspace', {}, {abortable}));
		host.rollKeyspace = false;
		daemonEvent(host, step, member, 'restarted-in-turn', `${member} restarted (config changed) in ${restarted.ms} ms, pid ${restarted.before ?? '?'} → ${restarted.after}; the cluster kept its quorum`, restarted.after);
	};

	/**
	 * Puts a host back as it was before this deploy. Nothing is touched on a host whose lock this deploy
	 * does not hold. Every failure is kept in `rollbackErrors` (and shown); the host's state says whether it worked.
	 */
	const restore = async (host: HostRun): Promise<void> => {
		const step: DeployStep = 'switch';
		const before = host.status?.current;
		const attempt = async (what: string, work: () => Promise<unknown>): Promise<boolean> => {
			try {
				await work();
				output(host, step, `rollback: ${what}`);
				return true;
			} catch (error) {
				host.rollbackErrors.push(`${what}: ${errorMessage(error)}`);
				output(host, step, `rollback: ${what} failed: ${errorMessage(error)}`);
				return false;
			}
		};
		if (!host.agent || !host.lockTaken) {
			if (host.state === 'waiting') setState(host, 'skipped');
			return;
		}
		if (host.state !== 'failed') setState(host, 'rolling-back');
		const wasSwitched = host.switched;
		if (host.switched) {
			await attempt('placeholder on', () => call(host, step, 'placeholder', {on: true}, {abortable: false}));
			await attempt('stopped the new release', () => stopOld(host, step, before, false));
			await attempt(before ? `switched back to ${before.ampify} ${before.instance}` : 'removed the new release links', () => call(host, step, 'switch', {to: before ?? null, previous: host.status?.previous ?? null}, {abortable: false}));
			if (before) await attempt('nginx upgraded onto the old config', () => call(host, step, 'nginx-upgrade', {}, {abortable: false}));
			host.switched = false;
			host.stoppedOld = true;
		}
		// Never switched: what still runs is the old release's own, which its supervisor adopts as it is.
		if (!wasSwitched) host.rollKeyspace = false;
		let restarted = false;
		if (host.stoppedOld && before) restarted = await attempt(`started ${before.ampify} ${before.instance} again`, () => startNew(host, step, false));
		if (host.placeholderOn || host.stoppedOld) await attempt('placeholder off', () => call(host, step, 'placeholder', {on: false}, {abortable: false}));
		if (restarted || (host.placeholderOn && before)) {
			// The old release must answer as it did before the deploy: asked as a client would.
			const url = healthUrl(host);
			const answer = await waitForHealthy(url, Math.min(config.healthTimeoutMs, stepTimeout));
			if (answer.ok) output(host, step, `rollback: ${url} answers 200`);
			else {
				host.rollbackErrors.push(`${url} does not answer 200 after the rollback (last: ${answer.last})`);
				output(host, step, `rollback: ${url} does not answer 200 (last: ${answer.last})`);
			}
		}
		if (kind === 'deploy') await attempt('removed what this deploy sent', () => call(host, step, 'discard', {made: host.made}, {abortable: false}));
		if (await attempt('lock released', () => call(host, step, 'unlock', {deployId, history: historyRecord(host, controller.signal.aborted ? 'aborted' : 'rolled-back')}, {abortable: false}))) host.lockTaken = false;
		else host.lockLeft = true;
		if (host.rollbackErrors.length > 0) setState(host, 'rollback-failed');
		else if (host.state !== 'failed') setState(host, 'rolled-back');
	};

	const closeAll = async (): Promise<void> => {
		await Promise.all(hosts.map(host => host.agent?.close().catch(() => {})));
		for (const host of hosts) {
			try {
				host.session?.close();
			} catch {
				// already closed
			}
		}
	};

	const finish = async (ok: boolean, error?: string): Promise<boolean> => {
		note('-', '-', `end ok=${ok}${error ? ` ${error}` : ''}`);
		emit({
			type: 'deploy-end',
			ok,
			phase,
			ms: Date.now() - began,
			...(error ? {error} : {}),
			hosts: hosts.map(host => ({host: host.label, state: host.state, ...(host.release ? {release: host.release} : {}), stepMs: host.stepMs, ...(host.rollbackErrors.length > 0 ? {rollbackErrors: host.rollbackErrors} : {})})),
			locksLeft: hosts.filter(host => host.lockLeft || host.lockTaken).map(host => ({host: host.label, file: `${host.config.root}/dist/lock-file`})),
		});
		await closeAll();
		stream.end();
		log.end();
		return ok;
	};

	const main = async (): Promise<boolean> => {
		setPhase('planning');
		if (missing.length > 0) throw new AmpError(`--host ${missing.join(', ')}: not in ${config.file} (its hosts: ${config.hosts.map(host => host.target).join(', ') || 'none'})`, 2);
		if (hosts.length === 0) throw new AmpError(`${config.file} lists no hosts: add them under hosts:`);
		instanceConfig = await loadInstanceConfig(options.instanceDirectory);
		// deployment.yaml and amprun.yaml hosts: must agree before anything connects.
		const links = linkHosts(config, instanceConfig, options.instanceDirectory);
		for (const host of hosts) {
			const entry = links.get(host.config.target);
			if (entry) host.entry = entry;
		}
		if (!options.rollback) {
			instance = await buildInstanceRelease(options.instanceDirectory, undefined, buildStep);
			ampify = await buildAmpifyRelease(options.checkout, line => note('-', '-', line), undefined, buildStep);
		}

		// Connections are made while planning (a plan needs to know what each host has); their step events follow the plan.
		const connectStarted = new Map<HostRun, number>();
		const connectErrors = new Map<HostRun, string>();
		await inPool(hosts, parallel, async host => {
			connectStarted.set(host, Date.now());
			try {
				await withTimeout(connectHost(host), config.ssh.connectTimeoutMs + stepTimeout, 'connect');
				if (!options.rollback) await planTransfers(host);
			} catch (error) {
				connectErrors.set(host, errorMessage(error));
			}
			host.stepMs.connect = Date.now() - connectStarted.get(host)!;
		});
		const plan: DeployPlan = {
			deployId,
			instance: instanceConfig.name,
			ampifyRelease: ampify?.name ?? '',
			instanceRelease: instance?.name ?? '',
			hosts: hosts.map(host => ({
				host: host.label,
				transfer: host.transfers.some(transfer => transfer.kind === 'full') || host.transfers.length === 0 ? 'full' : 'patch',
				bytes: host.transfers.length > 0 ? host.transfers.reduce((sum, transfer) => sum + transfer.bytes, 0) : (ampify?.fullBytes ?? 0) + (instance?.fullBytes ?? 0),
			})),
			steps,
			logFile,
			kind,
		};
		emit({type: 'deploy-plan', plan});
		if (options.dryRun) {
			for (const host of hosts) if (connectErrors.has(host)) output(host, 'connect', `cannot connect: ${connectErrors.get(host)}`);
			setPhase(connectErrors.size > 0 ? 'failed' : 'done');
			return finish(connectErrors.size === 0, connectErrors.size > 0 ? [...connectErrors.values()][0] : undefined);
		}
		setPhase('deploying');
		for (const host of hosts) {
			emit({type: 'step-start', host: host.label, step: 'connect', at: connectStarted.get(host)!});
			const error = connectErrors.get(host);
			emit({type: 'step-end', host: host.label, step: 'connect', ok: !error, ms: host.stepMs.connect ?? 0, ...(error ? {error} : {})});
			if (error) {
				host.error = `connect: ${error}`;
				setState(host, 'failed');
			}
		}

		let failed = hosts.filter(host => connectErrors.has(host));
		if (controller.signal.aborted) {
			for (const host of hosts) {
				if (failed.includes(host)) continue;
				host.error = 'aborted';
				failed.push(host);
			}
		}
		const failBeforeSwitch = async (why: HostRun[]): Promise<boolean> => {
			setPhase('rolling-back');
			await inPool(hosts, parallel, restore);
			for (const host of hosts) if (host.state === 'waiting') setState(host, 'skipped');
			const first = why[0];
			const cause = first?.error ? `${first.label}: ${first.error}` : 'aborted';
			const broken = hosts.filter(host => host.rollbackErrors.length > 0);
			if (broken.length > 0) {
				rollbackFailed = true;
				setPhase('rollback-failed');
				const name = path.basename(options.instanceDirectory);
				return finish(
					false,
					`${cause}; the rollback failed on ${broken.map(host => `${host.label} (${host.rollbackErrors.join('; ')})`).join(', ')}: ` +
						`see what each host runs with \`ampzero deploy ${name} status\`, fix what the error names on the host, then deploy again`,
				);
			}
			setPhase(controller.signal.aborted ? 'aborted' : 'rolled-back');
			return finish(false, cause);
		};
		if (failed.length > 0) return failBeforeSwitch(failed);

		// Locks in sorted host order, one host at a time: two deploys racing meet at the first host.
		failed = [];
		for (const host of hosts) {
			const lockFailed = await runStep('lock', [host], async each => {
				const record: LockRecord = {
					deployId,
					who: `${os.userInfo().username}@${os.hostname()}`,
					host: os.hostname(),
					pid: process.pid,
					when: new Date().toISOString(),
					version: options.rollback ? `rollback to ${each.status?.previous?.ampify ?? '?'} ${each.status?.previous?.instance ?? '?'}` : `${ampify!.name} ${instance!.name}`,
				};
				let answer = await call<{taken: boolean; holder?: LockRecord}>(each, 'lock', 'lock', {record, force: false});
				if (!answer.taken && answer.holder) {
					const holder = answer.holder;
					const stale = lockIsStale(holder);
					const liveHere = holder.host === os.hostname() && !stale;
					if (options.forceUnlock && !liveHere) {
						output(each, 'lock', `removing ${stale ? 'the stale' : 'the'} lock of ${describeLock(holder)}`);
						answer = await call(each, 'lock', 'lock', {record, force: true});
					} else if (stale) {
						throw new StepFailure(`stale lock: ${describeLock(holder)} is gone; remove it with --force-unlock`);
					} else {
						throw new StepFailure(`locked by ${describeLock(holder)}`);
					}
				}
				if (!answer.taken) throw new StepFailure('the lock-file could not be taken');
				each.lockTaken = true;
				// What the host runs may have changed since it was first asked (another deploy ended in between): ask again, under the lock.
				const fresh = await call<HostStatus>(each, 'lock', 'status', {});
				const seen = (status?: HostStatus): string => JSON.stringify([status?.current, status?.previous, status?.releases, status?.tarballs]);
				if (seen(fresh) !== seen(each.status)) {
					output(each, 'lock', `the host changed since planning (now on ${fresh.current ? `${fresh.current.ampify} ${fresh.current.instance}` : 'no release'}): planning its transfer again`);
					each.status = fresh;
					if (!options.rollback) await planTransfers(each);
				}
				each.status = fresh;
			});
			if (lockFailed.length > 0) {
				failed = lockFailed;
				break;
			}
		}
		if (failed.length > 0) return failBeforeSwitch(failed);

		const stepsBefore: Array<[DeployStep, (host: HostRun) => Promise<number | void>]> = [];
		if (!options.rollback) {
			stepsBefore.push(
				['transfer', async host => {
					let bytes = 0;
					for (const transfer of host.transfers) {
						if (transfer.kind === 'present') continue;
						output(host, 'transfer', `${transfer.release.name}: ${transfer.kind === 'patch' ? `patch against ${transfer.base}` : 'full tarball'}, ${transfer.bytes} bytes`);
						host.made.files.push(transfer.remoteName!);
						bytes += await send(host, transfer, 'transfer');
					}
					return bytes;
				}],
				['verify-transfer', async host => {
					let resent = 0;
					for (const transfer of host.transfers) {
						if (transfer.kind === 'present') continue;
						let check = await call<{ok: boolean; actual: string}>(host, 'verify-transfer', 'verify-received', {file: transfer.remoteName, sha256: transfer.sha256});
						if (!check.ok) {
							output(host, 'verify-transfer', `${transfer.remoteName} arrived with sha256 ${check.actual.slice(0, 12)}…, expected ${transfer.sha256!.slice(0, 12)}…: sending it once more`);
							resent += await send(host, transfer, 'verify-transfer');
							check = await call(host, 'verify-transfer', 'verify-received', {file: transfer.remoteName, sha256: transfer.sha256});
							if (!check.ok) throw new StepFailure(`${transfer.remoteName} arrived damaged twice (sha256 ${check.actual.slice(0, 12)}…)`);
						}
					}
					return resent;
				}],
				['unpack', async host => {
					for (const transfer of host.transfers) {
						const result = await call<{unpacked: boolean; tarballMade: boolean}>(host, 'unpack', 'unpack', {
							unpack: {release: transfer.release.name, kind: transfer.kind, ...(transfer.remoteName ? {file: transfer.remoteName} : {}), ...(transfer.base ? {base: transfer.base} : {}), tarSha256: transfer.release.tarSha256},
						});
						if (result.tarballMade) host.made.tarballs.push(transfer.release.name);
						if (result.unpacked) host.made.releases.push(transfer.release.name);
					}
				}],
				['verify-unpack', async host => {
					for (const transfer of host.transfers) {
						if (!host.made.releases.includes(transfer.release.name)) continue;
						const check = await call<{ok: boolean; differences: string[]}>(host, 'verify-unpack', 'verify-tree', {release: transfer.release.name}, {stdin: Buffer.from(transfer.release.manifest)});
						if (!check.ok) throw new StepFailure(`${transfer.release.name} unpacked differs from its manifest: ${check.differences.join(', ')}`);
					}
				}],
				['set-up', async host => {
					if (host.entry) {
						// The host's own TLS key, sent to it alone (the release carries no host's key, and never the CA's).
						const file = `tls/hosts/${host.entry.name}.key`;
						const key = await readFile(path.join(options.instanceDirectory, file));
						await call(host, 'set-up', 'install-key', {release: instance!.name, file}, {stdin: key});
						output(host, 'set-up', `installed its own key ${file}`);
					}
					await call(host, 'set-up', 'set-up', {releases: current()});
				}],
				['pre-update', async host => {
					if (host.config.preUpdate) await call(host, 'pre-update', 'pre-update', {release: instance!.name, script: host.config.preUpdate});
				}],
			);
		} else {
			for (const host of hosts) {
				const previous = host.status?.previous;
				const missingRelease = !previous ? 'no previous release' : [previous.ampify, previous.instance].filter(name => !host.status!.releases.includes(name)).join(', ');
				if (missingRelease) {
					host.error = `rollback: ${missingRelease === 'no previous release' ? missingRelease : `${missingRelease} is gone`}`;
					setState(host, 'failed');
					failed.push(host);
				}
			}
			if (failed.length > 0) return failBeforeSwitch(failed);
		}
		stepsBefore.push(
			['placeholder-on', async host => {
				host.placeholderOn = true;
				await call(host, 'placeholder-on', 'placeholder', {on: true});
			}],
			['stop-old', async host => {
				host.stoppedOld = true;
				await stopOld(host, 'stop-old', options.rollback ? host.status?.previous : current());
			}],
		);
		if (!options.rollback) stepsBefore.unshift(['pre-deploy', async () => {}]);
		for (const [step, work] of stepsBefore) {
			failed = step === 'pre-deploy' ? await localScript('pre-deploy', config.preDeploy) : await runStep(step, hosts, work);
			if (failed.length > 0 || controller.signal.aborted) return failBeforeSwitch(failed);
		}

		// The switch: from here a failure on any host switches every host back.
		const failAfterSwitch = async (why: HostRun[]): Promise<boolean> => failBeforeSwitch(why);
		const switchTo = (host: HostRun): {to: CurrentRecord; previous: CurrentRecord | null} =>
			options.rollback ? {to: host.status!.previous!, previous: host.status!.current ?? null} : {to: current(), previous: host.status!.current ?? null};
		const stepsAfter: Array<[DeployStep, (host: HostRun) => Promise<number | void>]> = [
			['switch', async host => {
				const {to, previous} = switchTo(host);
				host.switched = true;
				await call(host, 'switch', 'switch', {to, previous});
				host.release = `${to.ampify} ${to.instance}`;
			}],
			['nginx-upgrade', async host => {
				await call(host, 'nginx-upgrade', 'nginx-upgrade', {});
			}],
			['start-new', async host => {
				await startNew(host, 'start-new');
			}],
			['health-check', async host => {
				const url = healthUrl(host);
				const answer = await waitForHealthy(url, Math.min(config.healthTimeoutMs, stepTimeout), controller.signal);
				if (!answer.ok) throw new StepFailure(`${url} did not answer 200 (last: ${answer.last})`);
				output(host, 'health-check', `${url} answers 200`);
			}],
			['placeholder-off', async host => {
				await call(host, 'placeholder-off', 'placeholder', {on: false});
				host.placeholderOn = false;
			}],
		];
		for (const [step, work] of stepsAfter) {
			failed = await runStep(step, hosts, work);
			if (failed.length > 0 || controller.signal.aborted) return failAfterSwitch(failed);
		}

		// Past the point of no return: what follows only tidies up; a failure is reported, nothing is rolled back.
		let tidyFailed: HostRun[] = [];
		if (!options.rollback) {
			tidyFailed.push(
				...(await runStep('clean-up', hosts, async host => {
					const previous = host.status?.current;
					const keep = [ampify!.name, instance!.name, ...(previous ? [previous.ampify, previous.instance] : [])];
					const {removed} = await call<{removed: string[]}>(host, 'clean-up', 'clean-up', {keep});
					if (removed.length > 0) output(host, 'clean-up', `removed ${removed.join(', ')}`);
				})),
			);
			tidyFailed.push(...(await localScript('post-deploy', config.postDeploy)));
		}
		tidyFailed.push(
			...(await runStep('unlock', hosts, async host => {
				try {
					await call(host, 'unlock', 'unlock', {deployId, history: historyRecord(host, 'done')});
				} catch (error) {
					host.lockLeft = true;
					throw error;
				}
				host.lockTaken = false;
			})),
		);
		tidyFailed = [...new Set(tidyFailed)];
		for (const host of hosts) if (!tidyFailed.includes(host)) setState(host, 'done');
		setPhase(tidyFailed.length > 0 ? 'failed' : 'done');
		return finish(tidyFailed.length === 0, tidyFailed[0]?.error ? `${tidyFailed[0].label}: ${tidyFailed[0].error} (every host runs the new release)` : undefined);
	};

	let rollbackFailed = false;
	const done = main().then(ok => ({ok, ...(rollbackFailed ? {rollbackFailed} : {})}), async error => {
		await Promise.all(
			hosts.map(async host => {
				if (!host.lockTaken || !host.agent) return;
				try {
					await host.agent.call('unlock', {deployId}, {timeoutMs: 10_000});
					host.lockTaken = false;
				} catch {
					host.lockLeft = true;
				}
			}),
		);
		phase = 'failed';
		emit({type: 'phase', phase, at: Date.now()});
		await finish(false, errorMessage(error));
		return {ok: false, error};
	});

	return {
		events: () => stream.subscribe(),
		abort: reason => {
			if (controller.signal.aborted) return;
			note('-', '-', `abort: ${reason ?? 'asked'}`);
			controller.abort(new Error(reason ?? 'aborted'));
		},
		done,
	};
}
