import path from 'node:path';
import type {InstanceConfig} from '../../services/config/amprun.js';
import {hostEnvironmentVariable, loadRunConfig} from '../../services/config/placement.js';
import {runPaths, type RunPaths} from '../../services/config/paths.js';
import {frontendUrl} from '../../services/config/urls.js';
import {AmpError, errorMessage, UsageError} from '../../services/errors.js';
import {instanceArgument, resolveInstanceDirectory} from '../../services/instance/locate.js';
import {connectSupervisor, localConnection} from '../../services/supervisor/client.js';
import {serveControlSocket} from '../../services/supervisor/control-server.js';
import {ensureSupervisor} from '../../services/supervisor/daemonize.js';
import type {DaemonStatus, SupervisorConnection, SupervisorEvent} from '../../services/supervisor/events.js';
import {acquireSupervisorLock, findSupervisor, releaseSupervisorLock} from '../../services/supervisor/lock.js';
import {followLogFile, lastLogLines} from '../../services/supervisor/log-tail.js';
import {adoptableDaemons, endLeftovers} from '../../services/supervisor/pid-files.js';
import {outgoingGroups} from '../../services/supervisor/outgoing-daemons.js';
import type {RunFlags, RunPlan} from '../../services/supervisor/plan-file.js';
import {assertPortsFree, PortsBusyError} from '../../services/supervisor/port-holders.js';
import {groupMembers, isRunning} from '../../services/system/proc.js';
import {waitForRun} from '../../services/supervisor/run-watch.js';
import {describeNat} from '../../services/nat/nat-status.js';
import {daemonStatusLine, daemonStatusRecord, remoteStatusLine} from '../../services/supervisor/status-format.js';
import {readPidFiles} from '../../services/supervisor/pid-files.js';
import {isInteractive} from '../interactive.js';
import {onInterrupts} from '../interrupts.js';
import {createBatchOutput, type BatchOutput} from '../output.js';

const actions = ['start', 'stop', 'quit', 'status', 'logs', 'login', 'events'] as const;
type Action = (typeof actions)[number];

/** `ampzero run NAME [start|stop|quit|status|logs DAEMON]`. */
export async function runCommand(name: string, action: string | undefined, daemon: string | undefined, options: Record<string, unknown>): Promise<number> {
	const chosen = (action ?? 'start') as Action;
	if (!actions.includes(chosen)) throw new UsageError(`unknown action "${action}": use start (the default), stop, quit, status, logs DAEMON, login or events`);
	if (daemon !== undefined && chosen !== 'logs') throw new UsageError(`"${daemon}" is only allowed after logs: ampzero run ${name} logs DAEMON`);
	const instanceDirectory = resolveInstanceDirectory(name);
	// The supervisor and every daemon it starts inherit the host named here.
	if (typeof options['as'] === 'string') process.env[hostEnvironmentVariable] = options['as'];
	const config = await loadRunConfig(instanceDirectory);
	const paths = runPaths(config);
	const out = createBatchOutput({json: Boolean(options['json'])});
	switch (chosen) {
		case 'start':
			return start(instanceDirectory, config, paths, options, out);
		case 'stop':
		case 'quit':
			return stop(config, paths, chosen, out, keptDaemons(options, chosen));
		case 'status':
			return status(config, instanceDirectory, paths, out);
		case 'logs':
			return logs(paths, daemon, options, out);
		case 'login':
			return login(config, instanceDirectory, paths, out);
		case 'events': {
			const {streamSupervisorEvents} = await import('./run-events.js');
			return streamSupervisorEvents(config.name, paths);
		}
	}
}

/** A fresh one-time login link for a running instance (the live redis keeps it for 15 minutes). */
async function login(config: InstanceConfig, instanceDirectory: string, paths: RunPaths, out: BatchOutput): Promise<number> {
	if (!findSupervisor(paths)) throw new AmpError(`${config.name} is not running: start it with \`ampzero run ${instanceArgument(instanceDirectory)}\` first`);
	const {createLoginLink} = await import('../../services/login.js');
	const link = await createLoginLink(config, instanceDirectory);
	out.event({type: 'login', url: link}, link);
	return 0;
}

function runFlags(options: Record<string, unknown>): RunFlags {
	return {
		server: Boolean(options['server']),
		debug: Boolean(options['debug']),
		hub: options['hub'] !== false,
		natBypass: options['natBypass'] !== false,
	};
}

async function start(instanceDirectory: string, config: InstanceConfig, paths: RunPaths, options: Record<string, unknown>, out: BatchOutput): Promise<number> {
	const flags = runFlags(options);
	const interactive = isInteractive({batch: Boolean(options['batch'])});
	const foreground = options['daemon'] === false || flags.debug;
	if (foreground) return startInForeground(instanceDirectory, config, paths, flags, interactive, out);

	// Loaded here, not at the top: stop, status and logs stay quick without the daemons' modules.
	const {planRun, writePlan} = await import('../../services/daemons/run-plan.js');
	const {plan} = await planRun(instanceDirectory, flags);
	if (!findSupervisor(paths)) await preflight(plan);
	const supervisor = await ensureSupervisor(paths, () => writePlan(plan));
	const connection = await connectSupervisor(paths.supervisorSocket);
	if (interactive) {
		const {runDashboardApp} = await import('../app/run-app.js');
		return runDashboardApp(connection, {ownsSupervisor: false});
	}
	const outcome = await waitForRun(connection);
	connection.close();
	if (!outcome.ok) {
		reportFailure(outcome, paths, out);
		// A run this command started and that cannot come up is stopped; one we only attached to is left as it is.
		if (supervisor.started) await sendAndWaitForExit(paths, {type: 'stop-all'});
		return 1;
	}
	out.event({type: 'supervisor', pid: supervisor.pid, started: supervisor.started}, supervisor.started ? `supervisor started (pid ${supervisor.pid})` : `attached to the running supervisor (pid ${supervisor.pid})`);
	await printReady(outcome.daemons, config, instanceDirectory, out, outcome.info.loginUrl);
	return 0;
}

/**
 * Before a new supervisor starts: what a killed supervisor left is adopted where it is still the
 * same process run the same way, and ended otherwise; the ports of every daemon not adopted must be free.
 */
async function preflight(plan: RunPlan): Promise<void> {
	const adoptable = await endWhatCannotBeAdopted(plan);
	assertPortsFree(plan.specs.filter(spec => !adoptable.has(spec.name)));
}

/** Ends what a killed supervisor left and the new one cannot adopt; returns the names of the daemons it will adopt. */
async function endWhatCannotBeAdopted(plan: RunPlan): Promise<Set<string>> {
	const adoptable = adoptableDaemons(plan.paths.pids, plan.specs);
	await endLeftovers(plan.paths.pids, 2000, new Set([...[...adoptable.values()].map(record => record.pid), ...outgoingGroups(plan.paths.pids)]));
	return new Set(adoptable.keys());
}

async function printReady(daemons: DaemonStatus[], config: InstanceConfig, instanceDirectory: string, out: BatchOutput, loginUrl?: string): Promise<void> {
	const now = Date.now();
	const width = Math.max(12, ...daemons.map(daemon => daemon.name.length));
	for (const daemon of daemons) out.event(daemonStatusRecord(daemon, now), daemonStatusLine(daemon, now, width));
	const names = new Set(daemons.map(daemon => daemon.name));
	const frontend = frontendUrl(config);
	out.event({type: 'frontend', url: frontend}, `frontend: ${frontend}`);
	if (!names.has('redis-live') || !names.has('nginx')) return;
	try {
		// The supervisor makes one once every daemon is ready; only when it has not yet does this command load the redis client (some 50 ms) to make its own.
		const link = loginUrl ?? (await (await import('../../services/login.js')).createLoginLink(config, instanceDirectory));
		out.event({type: 'login', url: link}, `log in:   ${link}`);
	} catch (error) {
		out.error(`login link: ${errorMessage(error)}`);
	}
}

function reportFailure(outcome: {daemon: string; error: string; lastLines: string[]}, paths: RunPaths, out: BatchOutput): void {
	const lastLines = outcome.lastLines.length > 0 || !outcome.daemon ? outcome.lastLines : lastLogLines(path.join(paths.logs, `${outcome.daemon}.log`), 20);
	out.event({type: 'run-failed', daemon: outcome.daemon, error: outcome.error, lastLines});
	out.error(outcome.daemon ? `ampzero: ${outcome.daemon} failed: ${outcome.error}` : `ampzero: ${outcome.error}`);
	if (lastLines.length > 0) {
		out.error(`last lines of ${path.join(paths.logs, `${outcome.daemon}.log`)}:`);
		for (const line of lastLines) out.error(`  ${line}`);
	}
}

/** --no-daemon and --debug: the supervisor lives in this process (it still serves the control socket, so stop and status work). */
async function startInForeground(instanceDirectory: string, config: InstanceConfig, paths: RunPaths, flags: RunFlags, interactive: boolean, out: BatchOutput): Promise<number> {
	const running = findSupervisor(paths);
	if (running) throw new AmpError(`${config.name} already runs under a supervisor (pid ${running.pid}): attach with \`ampzero run ${instanceArgument(instanceDirectory)}\`, or stop it with \`ampzero run ${instanceArgument(instanceDirectory)} stop\``);
	const [{planRun}, {Supervisor}, {startReachability}] = await Promise.all([
		import('../../services/daemons/run-plan.js'),
		import('../../services/supervisor/supervisor.js'),
		import('../../services/supervisor/reachability.js'),
	]);
	const {plan} = await planRun(instanceDirectory, flags);
	if (!acquireSupervisorLock(paths)) throw new AmpError(`another supervisor of ${config.name} just started: attach with \`ampzero run ${instanceArgument(instanceDirectory)}\``);
	try {
		// The supervisor checks the ports of what it does not adopt as it starts, and says which daemon a busy one stops.
		await endWhatCannotBeAdopted(plan);
		const supervisor = new Supervisor({specs: plan.specs, files: paths, info: {...plan.info, supervisorPid: process.pid}, ...(plan.remote ? {remote: plan.remote} : {})});
		const server = await serveControlSocket(supervisor, paths.supervisorSocket);
		const running = supervisor.start();
		const reachability = startReachability(supervisor, config, instanceDirectory, plan.flags);
		running.then(
			outcome => (outcome.ok ? reachability.ready() : undefined),
			async (error: unknown) => {
				await reachability.stop();
				supervisor.abort(error instanceof PortsBusyError ? error.daemon : '', errorMessage(error), error instanceof AmpError ? [...error.details] : []);
			},
		);
		let code: number;
		if (interactive) {
			const {runDashboardApp} = await import('../app/run-app.js');
			code = await runDashboardApp(localConnection(supervisor), {ownsSupervisor: true, stopOnSignal: () => supervisor.stopAll()});
			// Leaving the dashboard of a run it owns never leaves daemons behind.
			await supervisor.stopAll();
		} else {
			code = await printUntilStopped(supervisor, paths, out);
		}
		server.close();
		return code;
	} finally {
		releaseSupervisorLock(paths);
	}
}

/** --batch --no-daemon: every event as a line until stopped; the first ^C stops gracefully, the second forces. */
async function printUntilStopped(supervisor: import('../../services/supervisor/supervisor.js').Supervisor, paths: RunPaths, out: BatchOutput): Promise<number> {
	const stopListening = onInterrupts({
		first: () => {
			out.error('stopping every daemon (^C again to force)');
			void supervisor.stopAll();
		},
		again: () => void supervisor.quitAll(),
	});
	let failed = false;
	try {
		for await (const event of supervisor.events()) {
			printEvent(event, out);
			if (event.type === 'run-failed' && !failed) {
				failed = true;
				reportFailure(event, paths, out);
				void supervisor.stopAll();
			}
		}
	} finally {
		stopListening();
	}
	return failed || (await supervisor.exited) === 'failed' ? 1 : 0;
}

function printEvent(event: SupervisorEvent, out: BatchOutput): void {
	const now = Date.now();
	switch (event.type) {
		case 'snapshot':
			out.event({type: 'run', instance: event.info.instance, supervisorPid: event.info.supervisorPid, frontendUrl: event.info.frontendUrl}, `${event.info.instance}: supervisor pid ${event.info.supervisorPid}`);
			break;
		case 'daemon-state':
			out.event({...daemonStatusRecord(event.daemon, now), type: 'daemon-state'}, daemonStatusLine(event.daemon, now));
			break;
		case 'log-lines':
			out.event(event);
			for (const line of event.lines) out.line(`${event.daemon} | ${line}`);
			break;
		case 'run-ready':
			out.event(event, `all daemons ready in ${event.elapsedMs} ms`);
			break;
		case 'run-info':
			out.event(event, event.info.loginUrl ? `log in: ${event.info.loginUrl}` : undefined);
			break;
		case 'notice':
			out.event(event, event.text);
			break;
		case 'nat-state':
		case 'remote-state':
			out.event(event);
			break;
		case 'run-failed':
			break;
		case 'supervisor-exit':
			out.event(event, `every daemon has ${event.reason === 'quit' ? 'been killed' : 'stopped'}`);
			break;
	}
}

/** `stop --keep keyspace,redis-data`: daemons left running for the next `run` to adopt. */
function keptDaemons(options: Record<string, unknown>, action: 'stop' | 'quit'): string[] {
	if (typeof options['keep'] !== 'string') return [];
	if (action !== 'stop') throw new UsageError('--keep goes with stop only');
	return options['keep'].split(',').map(name => name.trim()).filter(Boolean);
}

/** Sends stop-all or quit-all and waits until the supervisor is gone. */
async function sendAndWaitForExit(paths: RunPaths, command: {type: 'stop-all'; keep?: string[]} | {type: 'quit-all'}): Promise<void> {
	const running = findSupervisor(paths);
	if (!running) return;
	const connection = await connectSupervisor(paths.supervisorSocket);
	await connection.send(command);
	for await (const event of connection.events()) {
		if (event.type === 'supervisor-exit') break;
	}
	connection.close();
	const deadline = Date.now() + 10_000;
	while (isRunning(running.pid) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 10));
}

async function stop(config: InstanceConfig, paths: RunPaths, how: 'stop' | 'quit', out: BatchOutput, keep: string[] = []): Promise<number> {
	const began = Date.now();
	const running = findSupervisor(paths);
	if (running) {
		await sendAndWaitForExit(paths, how === 'stop' ? {type: 'stop-all', ...(keep.length > 0 ? {keep} : {})} : {type: 'quit-all'});
		if (isRunning(running.pid)) throw new AmpError(`the supervisor of ${config.name} (pid ${running.pid}) did not exit; end it with \`kill ${running.pid}\``);
	}
	// A supervisor killed with -9 leaves its daemons: they are ended here too (but those kept).
	const kept = readPidFiles(paths.pids).filter(record => keep.includes(record.daemon) && groupMembers(record.pid).length > 0);
	const leftovers = await endLeftovers(paths.pids, how === 'stop' ? 2000 : 0, new Set(kept.map(record => record.pid)));
	if (kept.length > 0) out.event({type: 'kept', daemons: kept.map(record => ({daemon: record.daemon, pid: record.pid}))}, `kept running: ${kept.map(record => `${record.daemon} (pid ${record.pid})`).join(', ')}`);
	const remaining = readPidFiles(paths.pids).filter(record => !kept.some(each => each.pid === record.pid) && groupMembers(record.pid).length > 0);
	if (remaining.length > 0) throw new AmpError(`some processes of ${config.name} are still running: ${remaining.map(record => `${record.daemon} (pid ${record.pid})`).join(', ')}`);
	const elapsedMs = Date.now() - began;
	if (!running && leftovers.length === 0) {
		out.event({type: 'stopped', instance: config.name, running: false}, `${config.name} is not running`);
		return 0;
	}
	const what = how === 'stop' ? 'stopped' : 'killed';
	const extra = leftovers.length > 0 ? ` (ended ${leftovers.length} process${leftovers.length === 1 ? '' : 'es'} a crashed supervisor left)` : '';
	out.event({type: 'stopped', instance: config.name, running: true, how, elapsedMs, leftovers: leftovers.length}, `${config.name}: every daemon ${what} in ${elapsedMs} ms${extra}`);
	return 0;
}

async function status(config: InstanceConfig, instanceDirectory: string, paths: RunPaths, out: BatchOutput): Promise<number> {
	const running = findSupervisor(paths);
	if (!running) {
		out.event({type: 'status', instance: config.name, running: false});
		out.error(`ampzero: no supervisor runs for ${config.name}; start it with \`ampzero run ${instanceArgument(instanceDirectory)}\``);
		return 1;
	}
	const connection: SupervisorConnection = await connectSupervisor(paths.supervisorSocket);
	let snapshot: Extract<SupervisorEvent, {type: 'snapshot'}> | undefined;
	for await (const event of connection.events()) {
		if (event.type === 'snapshot') snapshot = event;
		break;
	}
	connection.close();
	if (!snapshot) throw new AmpError(`the supervisor of ${config.name} (pid ${running.pid}) closed the connection without answering`);
	const now = Date.now();
	const {info} = snapshot;
	out.event(
		{type: 'run', instance: info.instance, supervisorPid: info.supervisorPid, frontendUrl: info.frontendUrl, loginUrl: info.loginUrl ?? null, nat: info.nat ?? null, remote: info.remote ?? []},
		`${info.instance}: supervisor pid ${info.supervisorPid}, frontend ${info.frontendUrl}${info.nat ? `; ${describeNat(info.nat)}` : ''}`,
	);
	const width = Math.max(12, ...snapshot.daemons.map(daemon => daemon.name.length), ...(info.remote ?? []).map(dependency => dependency.name.length));
	for (const daemon of snapshot.daemons) out.event(daemonStatusRecord(daemon, now), daemonStatusLine(daemon, now, width));
	for (const dependency of info.remote ?? []) out.event({type: 'remote', ...dependency}, remoteStatusLine(dependency, width));
	for (const notice of info.notices ?? []) out.event({type: 'notice', text: notice}, notice);
	return 0;
}

async function logs(paths: RunPaths, daemon: string | undefined, options: Record<string, unknown>, out: BatchOutput): Promise<number> {
	if (!daemon) throw new UsageError('say whose log: ampzero run NAME logs DAEMON [--tail N] [--follow]');
	const tail = Number(options['tail'] ?? 50);
	if (!Number.isInteger(tail) || tail < 0) throw new UsageError(`--tail must be a whole number of lines, not "${String(options['tail'])}"`);
	const file = path.join(paths.logs, `${daemon}.log`);
	const known = readPidFiles(paths.pids).map(record => record.daemon);
	const lines = lastLogLines(file, tail);
	if (lines.length === 0 && !(await fileExists(file))) {
		throw new AmpError(`no log for "${daemon}" in ${paths.logs}${known.length > 0 ? ` (running daemons: ${known.join(', ')})` : ''}`);
	}
	const print = (batch: string[]): void => {
		for (const line of batch) out.event({type: 'log-line', daemon, line}, line);
	};
	print(lines);
	if (!options['follow']) return 0;
	// For a program reading --json: the lines before this record were the tail, the ones after it are new.
	out.event({type: 'log-follow', daemon});
	const controller = new AbortController();
	const onSignal = (): void => controller.abort();
	process.once('SIGINT', onSignal);
	process.once('SIGTERM', onSignal);
	await followLogFile(file, print, controller.signal);
	return 0;
}

async function fileExists(file: string): Promise<boolean> {
	const {access} = await import('node:fs/promises');
	return access(file).then(
		() => true,
		() => false,
	);
}
