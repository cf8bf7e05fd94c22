import {deploySteps, type DeployEvent, type DeployPhase, type DeployPlan, type DeployStep, type HostState} from '../../services/deploy/events.js';
import {cleanLine} from '../runtime/clean-line.js';

/** One host as the deploy screen shows it. */
export interface DeployHostView {
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

export type DeployDialog = 'help' | 'confirm-abort';

export interface DeployFinished {
	ok: boolean;
	phase: DeployPhase;
	ms: number;
	error?: string;
	/** The events stopped without a `deploy-end`: the engine went away. */
	cutShort?: boolean;
}

/** A building step on this machine before any host shows (archive, build, production modules, tarball, patch). */
export interface BuildStepView {
	what: string;
	state: 'running' | 'ok' | 'failed';
	at: number;
	ms?: number;
}

export interface DeployScreenState {
	plan?: DeployPlan;
	/** The building steps, in the order they started. */
	building: BuildStepView[];
	phase: DeployPhase;
	/** When the first step started (the engine's clock). */
	startedAt?: number;
	hosts: DeployHostView[];
	selected: number;
	/** Whether the user moved the selection: until then it jumps to the first host that fails, to show why. */
	selectionMoved: boolean;
	/** First host row shown when the list is taller than the screen. */
	scroll: number;
	dialog?: DeployDialog;
	/** The user confirmed the abort: the app calls the engine's abort once, the engine rolls back. */
	abortRequested: boolean;
	/** One line of news: what a key did, or why nothing happened. */
	notice?: string;
	finished?: DeployFinished;
	/** Output lines kept per host. */
	outputLimit: number;
}

export type DeployAction =
	| {type: 'events'; events: readonly DeployEvent[]}
	/** The event stream ended (with an error when it threw). */
	| {type: 'events-ended'; error?: string}
	/** `rows`: how many host rows the list shows, so the selection stays in view. */
	| {type: 'select-next'; rows: number}
	| {type: 'select-previous'; rows: number}
	| {type: 'toggle-help'}
	| {type: 'close-help'}
	| {type: 'ask-abort'}
	| {type: 'confirm-abort'}
	| {type: 'cancel-abort'}
	/** The user wants out before the end: say why not (nothing, if it has ended meanwhile). */
	| {type: 'leave-too-early'}
	| {type: 'notice'; text?: string};

export const defaultOutputLimit = 200;

export function initialDeployState(outputLimit: number = defaultOutputLimit): DeployScreenState {
	return {phase: 'planning', building: [], hosts: [], selected: 0, selectionMoved: false, scroll: 0, abortRequested: false, outputLimit};
}

export function deployReducer(state: DeployScreenState, action: DeployAction): DeployScreenState {
	switch (action.type) {
		case 'events':
			return action.events.reduce(foldEvent, state);
		case 'events-ended':
			if (state.finished) return state;
			return {
				...state,
				dialog: state.dialog === 'confirm-abort' ? undefined : state.dialog,
				finished: {
					ok: false,
					phase: state.abortRequested ? 'aborted' : 'failed',
					ms: 0,
					cutShort: true,
					error: `the deploy stopped without reporting its end${action.error ? `: ${action.error}` : ''}; check the hosts with \`ampzero deploy ${state.plan?.instance ?? 'NAME'} status\``,
				},
			};
		case 'select-next':
		case 'select-previous': {
			const count = state.hosts.length;
			if (count === 0) return state;
			const delta = action.type === 'select-next' ? 1 : -1;
			const selected = (((state.selected + delta) % count) + count) % count;
			return {...state, selected, selectionMoved: true, scroll: scrollFor(state.scroll, selected, action.rows, count), notice: undefined};
		}
		case 'toggle-help':
			return {...state, dialog: state.dialog === 'help' ? undefined : 'help'};
		case 'close-help':
			return state.dialog === 'help' ? {...state, dialog: undefined} : state;
		case 'ask-abort':
			if (state.finished) return {...state, notice: 'The deploy has ended: there is nothing to abort'};
			if (state.abortRequested || isRollingBack(state)) return {...state, dialog: undefined, notice: abortingNotice};
			return {...state, dialog: 'confirm-abort', notice: undefined};
		case 'confirm-abort':
			if (state.finished || state.abortRequested) return {...state, dialog: undefined};
			return {...state, dialog: undefined, abortRequested: true, notice: abortingNotice};
		case 'cancel-abort':
			return state.dialog === 'confirm-abort' ? {...state, dialog: undefined, notice: undefined} : state;
		case 'leave-too-early':
			if (state.finished) return state;
			return {
				...state,
				notice:
					state.abortRequested || isRollingBack(state)
						? 'Rolling back: the summary follows when every host is back'
						: 'The deploy is still running: wait for the summary, or press a to abort it',
			};
		case 'notice':
			return {...state, notice: action.text};
	}
}

const abortingNotice = 'Aborting: every host goes back to the release it had; the summary follows when that is done';

function isRollingBack(state: DeployScreenState): boolean {
	return state.phase === 'rolling-back' || state.phase === 'aborted';
}

function foldEvent(state: DeployScreenState, event: DeployEvent): DeployScreenState {
	switch (event.type) {
		case 'build-step': {
			const step: BuildStepView = {what: event.what, state: event.state, at: event.at, ...(event.ms === undefined ? {} : {ms: event.ms})};
			const known = state.building.findIndex(each => each.what === event.what);
			const building = known === -1 ? [...state.building, step] : state.building.map((each, index) => (index === known ? step : each));
			return {...state, building, startedAt: state.startedAt ?? event.at};
		}
		case 'deploy-plan':
			return {
				...state,
				plan: event.plan,
				hosts: event.plan.hosts.map(planned => {
					const known = state.hosts.find(host => host.host === planned.host);
					return {...(known ?? newHost(planned.host)), transfer: planned.transfer, plannedBytes: planned.bytes};
				}),
			};
		case 'phase':
			return {...state, phase: event.phase, startedAt: state.startedAt ?? (event.phase === 'planning' ? undefined : event.at)};
		case 'step-start':
			return updateHost({...state, startedAt: state.startedAt ?? event.at}, event.host, host => ({
				...host,
				state: 'running',
				step: event.step,
				stepStartedAt: event.at,
				output: [],
			}));
		case 'step-end': {
			const next = updateHost(state, event.host, host => {
				const ended: DeployHostView = {
					...host,
					step: event.step,
					stepStartedAt: undefined,
					stepMs: {...host.stepMs, [event.step]: event.ms},
					bytesSent: host.bytesSent + (event.bytes ?? 0),
				};
				if (event.ok) return {...ended, stepsDone: host.stepsDone + 1, state: host.state === 'running' ? 'waiting' : host.state};
				return {...ended, state: 'failed', error: {step: event.step, message: event.error ?? `${event.step} failed`, output: host.output}};
			});
			if (event.ok || next.selectionMoved || state.hosts.some(host => host.error)) return next;
			// The first failure: show it, unless the user is looking at another host on purpose.
			const selected = next.hosts.findIndex(host => host.host === event.host);
			return {...next, selected};
		}
		case 'host-output':
		case 'daemon':
			return updateHost(state, event.host, host => {
				const line = cleanLine(event.line, 1000);
				const output = host.output.length >= state.outputLimit ? [...host.output.slice(host.output.length - state.outputLimit + 1), line] : [...host.output, line];
				return {...host, output};
			});
		case 'host-state':
			return updateHost(state, event.host, host => ({...host, state: event.state, stepStartedAt: event.state === 'running' ? host.stepStartedAt : undefined}));
		case 'deploy-end': {
			let next: DeployScreenState = {
				...state,
				phase: event.phase,
				dialog: state.dialog === 'confirm-abort' ? undefined : state.dialog,
				notice: undefined,
				finished: {ok: event.ok, phase: event.phase, ms: event.ms, ...(event.error === undefined ? {} : {error: event.error})},
			};
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
	}
}

function newHost(host: string): DeployHostView {
	return {host, state: 'waiting', stepsDone: 0, bytesSent: 0, stepMs: {}, output: []};
}

/** Applies `change` to the named host; a host the plan did not name is added at the end. */
function updateHost(state: DeployScreenState, name: string, change: (host: DeployHostView) => DeployHostView): DeployScreenState {
	const index = state.hosts.findIndex(host => host.host === name);
	if (index === -1) return {...state, hosts: [...state.hosts, change(newHost(name))]};
	const hosts = state.hosts.slice();
	hosts[index] = change(hosts[index]!);
	return {...state, hosts};
}

function scrollFor(scroll: number, selected: number, rows: number, count: number): number {
	const fit = Math.max(1, rows);
	let first = scroll;
	if (selected < first) first = selected;
	if (selected >= first + fit) first = selected - fit + 1;
	return Math.max(0, Math.min(first, count - fit));
}

/** The hosts shown in a list of `rows` rows: from the kept scroll offset, moved only as far as the selection needs. */
export function listWindow(state: DeployScreenState, rows: number): {first: number; end: number} {
	const first = scrollFor(state.scroll, state.selected, rows, state.hosts.length);
	return {first, end: Math.min(state.hosts.length, first + Math.max(1, rows))};
}

export function selectedHost(state: DeployScreenState): DeployHostView | undefined {
	return state.hosts[state.selected];
}

/** How many hosts are in each state, in the order of the states' lifecycle. */
export function hostCounts(state: DeployScreenState): Array<[HostState, number]> {
	const order: HostState[] = ['running', 'waiting', 'done', 'failed', 'rolling-back', 'rolled-back', 'rollback-failed', 'skipped'];
	return order.map((hostState): [HostState, number] => [hostState, state.hosts.filter(host => host.state === hostState).length]).filter(([, count]) => count > 0);
}

/** The step the deploy is at: the furthest step any host has reached (all hosts move in lock-step). */
export function currentStep(state: DeployScreenState): {step: DeployStep; index: number} | undefined {
	let index = -1;
	for (const host of state.hosts) if (host.step) index = Math.max(index, deploySteps.indexOf(host.step));
	const step = deploySteps[index];
	return step === undefined ? undefined : {step, index};
}

/** Time a host has spent in its steps: the finished ones, and the running one up to `now`. */
export function hostElapsedMs(host: DeployHostView, now: number): number {
	let total = 0;
	for (const ms of Object.values(host.stepMs)) total += ms ?? 0;
	if (host.stepStartedAt !== undefined && host.state === 'running') total += Math.max(0, now - host.stepStartedAt);
	return total;
}

/** How long the whole deploy has taken: its reported time once ended, else since its first step. */
export function deployElapsedMs(state: DeployScreenState, now: number): number {
	if (state.finished && !state.finished.cutShort) return state.finished.ms;
	return state.startedAt === undefined ? 0 : Math.max(0, now - state.startedAt);
}

/** Steps of the deploy (the plan's, or every step when no plan came). */
export function stepsOf(state: DeployScreenState): readonly DeployStep[] {
	return state.plan?.steps ?? deploySteps;
}
