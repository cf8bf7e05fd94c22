import {deploySteps, type DeployEvent, type DeployPhase, type DeployPlan, type DeployStep, type HostState} from '../services/deploy/events.js';
import {buildingNow, foldDeployEvent, hostOf, initialDeployProgress, type DeployEndEvent, type DeployProgress} from '../services/deploy/deploy-progress.js';
import {formatBytes, formatDuration} from '../services/deploy/event-format.js';
import {onInterrupts} from './interrupts.js';
import type {BatchOutput} from './output.js';

/**
 * `ampzero deploy --batch` and `--json`: the deploy's events as lines. Plain mode prints a line per
 * host per step, the phases, the last output lines of a step that failed, and a summary; `--json`
 * prints every event as one JSON object a line (the schema is in the README: every record has
 * `deploy`, `type`, `host`, `step`, `state`, `bytes` and `ms`, null where they do not apply).
 */

/** One line of `--json`. */
export interface DeployRecord {
	/** The deploy's id (from the plan; null before it). */
	deploy: string | null;
	type: 'build' | 'plan' | 'phase' | 'step-start' | 'step-end' | 'output' | 'host-state' | 'daemon' | 'end';
	host: string | null;
	step: DeployStep | null;
	/** `running` (step-start), `ok`/`failed` (step-end), a host state (host-state), a phase (phase, end). */
	state: string | null;
	bytes: number | null;
	ms: number | null;
	[extra: string]: unknown;
}

const blank = {host: null, step: null, state: null, bytes: null, ms: null};

/** The JSON record of an event. */
export function deployRecord(event: DeployEvent, deployId: string | null): DeployRecord {
	switch (event.type) {
		case 'build-step':
			return {deploy: deployId, type: 'build', ...blank, state: event.state, ms: event.ms ?? null, what: event.what, at: event.at, ...(event.error === undefined ? {} : {error: event.error})};
		case 'deploy-plan': {
			const {plan} = event;
			const bytes = plan.hosts.reduce((sum, host) => sum + host.bytes, 0);
			return {
				deploy: plan.deployId,
				type: 'plan',
				...blank,
				bytes,
				kind: plan.kind,
				instance: plan.instance,
				ampifyRelease: plan.ampifyRelease,
				instanceRelease: plan.instanceRelease,
				logFile: plan.logFile,
				steps: [...plan.steps],
				hosts: plan.hosts.map(host => ({host: host.host, transfer: host.transfer, bytes: host.bytes})),
			};
		}
		case 'phase':
			return {deploy: deployId, type: 'phase', ...blank, state: event.phase, at: event.at};
		case 'step-start':
			return {deploy: deployId, type: 'step-start', ...blank, host: event.host, step: event.step, state: 'running', at: event.at};
		case 'step-end':
			return {
				deploy: deployId,
				type: 'step-end',
				host: event.host,
				step: event.step,
				state: event.ok ? 'ok' : 'failed',
				bytes: event.bytes ?? null,
				ms: event.ms,
				...(event.error === undefined ? {} : {error: event.error}),
			};
		case 'host-output':
			return {deploy: deployId, type: 'output', ...blank, host: event.host, step: event.step, line: event.line};
		case 'host-state':
			return {deploy: deployId, type: 'host-state', ...blank, host: event.host, state: event.state};
		case 'daemon':
			return {deploy: deployId, type: 'daemon', ...blank, host: event.host, step: event.step, state: event.fate, daemon: event.daemon, ...(event.pid === undefined ? {} : {pid: event.pid}), line: event.line};
		case 'deploy-end':
			return {
				deploy: deployId,
				type: 'end',
				...blank,
				state: event.phase,
				ms: event.ms,
				ok: event.ok,
				...(event.error === undefined ? {} : {error: event.error}),
				hosts: event.hosts.map(host => ({host: host.host, state: host.state, release: host.release ?? null, stepMs: host.stepMs, ...(host.rollbackErrors ? {rollbackErrors: host.rollbackErrors} : {})})),
				locksLeft: event.locksLeft ?? [],
			};
	}
}

/** Output lines of a failed step shown under its line in plain mode (the log file has them all). */
const failedOutputLines = 5;

/** Host states worth a line of their own in plain mode (a failure already has its step's line). */
const statesToPrint: ReadonlySet<HostState> = new Set(['rolling-back', 'rolled-back', 'rollback-failed', 'skipped']);

const phaseWords: Record<DeployPhase, string> = {
	planning: 'planning',
	deploying: 'deploying',
	'rolling-back': 'rolling back',
	done: 'done',
	failed: 'failed',
	'rolled-back': 'rolled back',
	'rollback-failed': 'rollback failed',
	aborted: 'aborted',
};

/** Prints a deploy's events as plain lines, from the one fold of them (services/deploy/deploy-progress.ts): column widths, bytes so far, recent output. */
export class DeployPrinter {
	private progress: DeployProgress = initialDeployProgress(failedOutputLines);

	constructor(private readonly out: BatchOutput) {}

	/** Whether the deploy-end event came, and said it succeeded. */
	get ended(): {ok: boolean; phase: DeployPhase} | undefined {
		const end = this.progress.end;
		return end ? {ok: end.ok, phase: end.phase} : undefined;
	}

	/** Building steps running now, with when they started: `--batch` says every 10 s that they still run. */
	get building(): ReadonlyArray<{what: string; at: number}> {
		return buildingNow(this.progress);
	}

	print(event: DeployEvent): void {
		this.observe(event);
		if (this.out.json) {
			this.out.event(deployRecord(event, this.progress.plan?.deployId ?? null));
			return;
		}
		for (const line of this.lines(event)) this.out.line(line);
	}

	/** Takes an event in without printing it (for a summary printed later). */
	observe(event: DeployEvent): void {
		this.progress = foldDeployEvent(this.progress, event);
	}

	/** The summary of a deploy that ended: a row per host, then how it went. */
	summary(): string[] | undefined {
		return this.progress.end ? this.summaryLines(this.progress.end) : undefined;
	}

	/** The plain lines of an event, after it was observed. */
	lines(event: DeployEvent): string[] {
		switch (event.type) {
			case 'build-step':
				if (event.state === 'running') return [`build: ${event.what} …`];
				return [`build: ${event.what} ${event.state === 'ok' ? 'ok' : 'FAILED'} ${formatDuration(event.ms ?? 0)}${event.error ? `: ${event.error}` : ''}`];
			case 'deploy-plan':
				return [planHeadline(event.plan)];
			case 'phase':
				return event.phase === 'planning' ? [] : [`phase: ${phaseWords[event.phase]}`];
			case 'step-start':
			case 'host-output':
				return [];
			case 'step-end':
				return this.stepLines(event);
			case 'host-state':
				return statesToPrint.has(event.state) ? [`${this.pad(event.host)} ${event.state}`] : [];
			case 'daemon':
				return [`${this.pad(event.host)} ${event.line}`];
			case 'deploy-end':
				return this.summaryLines(event);
		}
	}

	private stepLines(event: Extract<DeployEvent, {type: 'step-end'}>): string[] {
		const parts = [this.pad(event.host), event.step.padEnd(15), event.ok ? 'ok' : 'FAILED', formatDuration(event.ms)];
		if (event.bytes !== undefined) {
			const transfer = this.progress.plan?.hosts.find(host => host.host === event.host)?.transfer;
			parts.push(`${formatBytes(event.bytes)}${transfer ? ` ${transfer}` : ''}`);
		}
		const line = `${parts.join(' ')}${event.ok || event.error === undefined ? '' : `: ${event.error}`}`;
		if (event.ok) return [line];
		return [line, ...(hostOf(this.progress, event.host)?.output ?? []).map(output => `    | ${output}`)];
	}

	private summaryLines(event: DeployEndEvent): string[] {
		const {plan} = this.progress;
		const width = Math.max(this.hostWidth(), ...event.hosts.map(host => host.host.length));
		const rows = event.hosts.map(host => {
			let total = 0;
			for (const ms of Object.values(host.stepMs)) total += ms ?? 0;
			const sent = hostOf(this.progress, host.host)?.bytesSent ?? 0;
			const transfer = plan?.hosts.find(planned => planned.host === host.host)?.transfer;
			return [
				`  ${host.host.padEnd(width)}`,
				host.state.padEnd(11),
				formatDuration(total).padStart(7),
				sent > 0 ? `${formatBytes(sent).padStart(7)} ${(transfer ?? '').padEnd(5)}` : `${'-'.padStart(7)} ${''.padEnd(5)}`,
				host.release ?? '-',
			].join(' ');
		});
		const broken = event.hosts.flatMap(host => (host.rollbackErrors ?? []).map(error => `  ${host.host}: ${error}`));
		const locks = (event.locksLeft ?? []).map(
			lock =>
				`  the lock on ${lock.host} could not be released: once the host answers, \`ampzero deploy ${plan?.instance ?? 'NAME'} --force-unlock --host ${lock.host}\` removes it with the next deploy (or delete ${lock.file} there)`,
		);
		return ['summary:', ...rows, ...(broken.length > 0 ? ['rollback failures:', ...broken] : []), ...(locks.length > 0 ? ['locks left:', ...locks] : []), closingLine(event, plan)];
	}

	/** The plan's longest host name: the width of the host column. */
	private hostWidth(): number {
		return Math.max(0, ...(this.progress.plan?.hosts ?? []).map(host => host.host.length));
	}

	private pad(host: string): string {
		return host.padEnd(this.hostWidth());
	}
}

function planHeadline(plan: DeployPlan): string {
	const count = `${plan.hosts.length} host${plan.hosts.length === 1 ? '' : 's'}`;
	const what = plan.kind === 'rollback' ? `rollback of ${plan.instance} on ${count}` : `deploy of ${plan.instance}: ${plan.ampifyRelease} ${plan.instanceRelease} to ${count}`;
	return `${what} (deploy ${plan.deployId}; every remote command's output: ${plan.logFile})`;
}

function closingLine(event: DeployEndEvent, plan: DeployPlan | undefined): string {
	const took = formatDuration(event.ms);
	const count = `${event.hosts.length} host${event.hosts.length === 1 ? '' : 's'}`;
	if (event.ok) {
		if (plan?.kind === 'rollback') return `rolled back ${count} to their previous release in ${took}`;
		return `deployed ${plan ? `${plan.ampifyRelease} ${plan.instanceRelease} ` : ''}to ${count} in ${took}`;
	}
	const why = event.error ? `: ${event.error}` : '';
	if (event.phase === 'rollback-failed') return `rollback FAILED after ${took}${why}`;
	const back = event.phase === 'rolled-back' || event.phase === 'aborted';
	const where = back
		? 'every host is back on the release it had'
		: `check which release each host runs with \`ampzero deploy ${plan?.instance ?? 'NAME'} status\``;
	return `deploy ${phaseWords[event.phase]} after ${took}${why}; ${where}`;
}

/**
 * Prints a deploy's events until they end and returns the exit code: 0 when the deploy ended
 * and succeeded, 1 otherwise. With `abort`, the first SIGINT or SIGTERM asks the engine to abort
 * (it rolls every host back and keeps reporting); a second one leaves at once, saying how to check.
 */
export async function printDeploy(events: AsyncIterable<DeployEvent>, out: BatchOutput, options: {abort?: () => void} = {}): Promise<number> {
	const printer = new DeployPrinter(out);
	const removeSignals = options.abort ? abortOnSignals(options.abort, out) : () => {};
	// A building step can take a while before any host shows: say every 10 s that it still runs, and for how long.
	const ticker = out.json
		? undefined
		: setInterval(() => {
				for (const {what, at} of printer.building) out.line(`build: ${what} … ${formatDuration(Date.now() - at)}`);
			}, 10_000);
	try {
		for await (const event of events) printer.print(event);
	} catch (error) {
		out.error(`ampzero: the deploy stopped: ${error instanceof Error ? error.message : String(error)}`);
		return 1;
	} finally {
		if (ticker) clearInterval(ticker);
		removeSignals();
	}
	const ended = printer.ended;
	if (!ended) {
		out.error('ampzero: the deploy stopped without reporting its end; check the hosts with `ampzero deploy NAME status`');
		return 1;
	}
	return exitCodeOf(ended);
}

/** 0 deployed, 1 failed (every host back on the release it had), 3 the rollback failed on a host. */
function exitCodeOf(ended: {ok: boolean; phase: DeployPhase}): number {
	if (ended.ok) return 0;
	return ended.phase === 'rollback-failed' ? 3 : 1;
}

function abortOnSignals(abort: () => void, out: BatchOutput): () => void {
	return onInterrupts({
		first: signal => {
			out.error(`ampzero: ${signal}: aborting the deploy; every host goes back to the release it had (${signal} again leaves at once)`);
			abort();
		},
		again: () => {
			out.error('ampzero: left before the rollback finished: check the hosts with `ampzero deploy NAME status`, then `ampzero deploy NAME --rollback` if needed');
			process.exit(130);
		},
	});
}

/** `--dry-run`: the plan, and nothing else happens. Hosts with what each gets, then the steps every host takes. */
export function printDeployPlan(plan: DeployPlan, out: BatchOutput): void {
	if (out.json) {
		out.event({...deployRecord({type: 'deploy-plan', plan}, plan.deployId), dryRun: true});
		return;
	}
	const width = Math.max(4, ...plan.hosts.map(host => host.host.length));
	const total = plan.hosts.reduce((sum, host) => sum + host.bytes, 0);
	out.line(`${planHeadline(plan)}: dry run, nothing is changed`);
	out.line(`  ${'host'.padEnd(width)}  transfer  ${'bytes'.padStart(8)}`);
	for (const host of plan.hosts) out.line(`  ${host.host.padEnd(width)}  ${host.transfer.padEnd(8)}  ${formatBytes(host.bytes).padStart(8)}`);
	out.line(`  ${'total'.padEnd(width)}  ${''.padEnd(8)}  ${formatBytes(total).padStart(8)}`);
	const steps = plan.steps.length > 0 ? plan.steps : deploySteps;
	out.line(`steps, each on every host before the next starts (${steps.length}):`);
	steps.forEach((step, index) => out.line(`  ${String(index + 1).padStart(2)}. ${step}`));
}
