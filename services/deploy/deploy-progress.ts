import type {DeployEvent, DeployPhase, DeployPlan, DeployStep, HostState} from './events.js';

/**
 * The one fold of a deploy's events: where every host is, what it sent, the last lines its step
 * wrote, and how the deploy ended. The deploy screen keeps this in its state (and adds the
 * selection, the dialogs and the notices); `--batch` keeps it to print a step's failed output, the
 * bytes and the summary. Pure, and no React here.
 */

/** One host's progress. */
export interface HostProgress {
	host: string;
	state: HostState;
	/** The step running now, or the last one that ran. */
	step?: DeployStep;
	/** When the running step started (the engine's clock); absent between steps. */
	stepStartedAt?: number;
	/** Steps that passed on this host. */
	stepsDone: number;
	/** Bytes sent so far (transfer steps). */
	bytesSent: number;
	/** From the plan: a patch against a release the host has, or the full tarball, and how big. */
	transfer?: 'patch' | 'full';
	plannedBytes?: number;
	/** Time each finished step took on this host. */
	stepMs: Partial<Record<DeployStep, number>>;
	/** The last lines of the current step's output. */
	output: readonly string[];
	/** The step that failed on this host, why, and the last lines it wrote. */
	error?: {step: DeployStep; message: string; output: readonly string[]};
	/** The release the host runs at the end. */
	release?: string;
}

/** A building step on this machine before any host shows (archive, build, production modules, tarball, patch). */
export interface BuildStepProgress {
	what: string;
	state: 'running' | 'ok' | 'failed';
	at: number;
	ms?: number;
}

export type DeployEndEvent = Extract<DeployEvent, {type: 'deploy-end'}>;

export interface DeployProgress {
	plan?: DeployPlan;
	/** The building steps, in the order they started. */
	building: BuildStepProgress[];
	phase: DeployPhase;
	/** When the first step started (the engine's clock). */
	startedAt?: number;
	/** The plan's hosts in its order; a host the plan did not name is added at the end. */
	hosts: HostProgress[];
	/** The last event, once it came. */
	end?: DeployEndEvent;
	/** Output lines kept per host. */
	outputLimit: number;
}

export interface FoldOptions {
	/** What of an output line is kept (the screen keeps what a terminal would show); the line itself when absent. */
	keepLine?(line: string): string;
}

export function initialDeployProgress(outputLimit: number): DeployProgress {
	return {phase: 'planning', building: [], hosts: [], outputLimit};
}

/** Folds one event in. Generic so that a state that holds more (the screen's) keeps what it holds. */
export function foldDeployEvent<P extends DeployProgress>(progress: P, event: DeployEvent, options: FoldOptions = {}): P {
	switch (event.type) {
		case 'build-step': {
			const step: BuildStepProgress = {what: event.what, state: event.state, at: event.at, ...(event.ms === undefined ? {} : {ms: event.ms})};
			const known = progress.building.findIndex(each => each.what === event.what);
			const building = known === -1 ? [...progress.building, step] : progress.building.map((each, index) => (index === known ? step : each));
			return {...progress, building, startedAt: progress.startedAt ?? event.at};
		}
		case 'deploy-plan':
			return {
				...progress,
				plan: event.plan,
				hosts: event.plan.hosts.map(planned => {
					const known = progress.hosts.find(host => host.host === planned.host);
					return {...(known ?? newHost(planned.host)), transfer: planned.transfer, plannedBytes: planned.bytes};
				}),
			};
		case 'phase':
			return {...progress, phase: event.phase, startedAt: progress.startedAt ?? (event.phase === 'planning' ? undefined : event.at)};
		case 'step-start':
			return updateHost({...progress, startedAt: progress.startedAt ?? event.at}, event.host, host => ({
				...host,
				state: 'running',
				step: event.step,
				stepStartedAt: event.at,
				output: [],
			}));
		case 'step-end':
			return updateHost(progress, event.host, host => {
				const ended: HostProgress = {
					...host,
					step: event.step,
					stepStartedAt: undefined,
					stepMs: {...host.stepMs, [event.step]: event.ms},
					bytesSent: host.bytesSent + (event.bytes ?? 0),
				};
				if (event.ok) return {...ended, stepsDone: host.stepsDone + 1, state: host.state === 'running' ? 'waiting' : host.state};
				return {...ended, state: 'failed', error: {step: event.step, message: event.error ?? `${event.step} failed`, output: host.output}};
			});
		case 'host-output':
		case 'daemon':
			return updateHost(progress, event.host, host => {
				const line = options.keepLine ? options.keepLine(event.line) : event.line;
				const limit = Math.max(1, progress.outputLimit);
				const output = host.output.length >= limit ? [...host.output.slice(host.output.length - limit + 1), line] : [...host.output, line];
				return {...host, output};
			});
		case 'host-state':
			return updateHost(progress, event.host, host => ({...host, state: event.state, stepStartedAt: event.state === 'running' ? host.stepStartedAt : undefined}));
		case 'deploy-end': {
			let next: P = {...progress, phase: event.phase, end: event};
			for (const result of event.hosts) {
				next = updateHost(next, result.host, host => ({
					...host,
					state: result.state,
					stepStartedAt: undefined,
					stepMs: {...host.stepMs, ...result.stepMs},
					...(result.release === undefined ? {} : {release: result.release}),
				}));
			}
			return next;
		}
		default:
			// An event type this fold does not know yet (a newer engine): nothing to keep.
			return progress;
	}
}

/** Folds events in order. */
export function foldDeployEvents<P extends DeployProgress>(progress: P, events: readonly DeployEvent[], options: FoldOptions = {}): P {
	let next = progress;
	for (const event of events) next = foldDeployEvent(next, event, options);
	return next;
}

export function hostOf(progress: DeployProgress, name: string): HostProgress | undefined {
	return progress.hosts.find(host => host.host === name);
}

/** Building steps running now. */
export function buildingNow(progress: DeployProgress): BuildStepProgress[] {
	return progress.building.filter(step => step.state === 'running');
}

function newHost(host: string): HostProgress {
	return {host, state: 'waiting', stepsDone: 0, bytesSent: 0, stepMs: {}, output: []};
}

/** Applies `change` to the named host; a host the plan did not name is added at the end. */
function updateHost<P extends DeployProgress>(progress: P, name: string, change: (host: HostProgress) => HostProgress): P {
	const index = progress.hosts.findIndex(host => host.host === name);
	if (index === -1) return {...progress, hosts: [...progress.hosts, change(newHost(name))]};
	const hosts = progress.hosts.slice();
	hosts[index] = change(hosts[index]!);
	return {...progress, hosts};
}
