import {foldDeployEvent, initialDeployProgress, type BuildStepProgress, type DeployProgress, type HostProgress} from '../../services/deploy/deploy-progress.js';
import {deploySteps, type DeployEvent, type DeployPhase, type DeployStep, type HostState} from '../../services/deploy/events.js';
import {cleanLine} from '../runtime/clean-line.js';
import {wrapAround} from '../runtime/wrap-around.js';

/** One host as the deploy screen shows it. */
export type DeployHostView = HostProgress;

type DeployDialog = 'help' | 'confirm-abort';

interface DeployFinished {
	ok: boolean;
	phase: DeployPhase;
	ms: number;
	error?: string;
	/** The events stopped without a `deploy-end`: the engine went away. */
	cutShort?: boolean;
}

/** A building step on this machine before any host shows (archive, build, production modules, tarball, patch). */
export type BuildStepView = BuildStepProgress;

/** The deploy's progress (the one fold `--batch` uses too), and what the screen adds: selection, dialogs, notices. */
export interface DeployScreenState extends DeployProgress {
	selected: number;
	/** Whether the user moved the selection: until then it jumps to the first host that fails, to show why. */
	selectionMoved: boolean;
	/** First host row shown when the list is taller than the screen. */
	scroll: number;
	dialog?: DeployDialog;
	/** The user confirmed the abort (the screen's abort effect asked the engine): the screen says a rollback follows. */
	abortRequested: boolean;
	/** One line of news: what a key did, or why nothing happened. */
	notice?: string;
	finished?: DeployFinished;
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

const defaultOutputLimit = 200;

export function initialDeployState(outputLimit: number = defaultOutputLimit): DeployScreenState {
	return {...initialDeployProgress(outputLimit), selected: 0, selectionMoved: false, scroll: 0, abortRequested: false};
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
			const selected = wrapAround(state.selected, delta, count);
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

/** An output line as the screen keeps it: what a terminal would show, at most 1000 characters. */
const keepLine = (line: string): string => cleanLine(line, 1000);

function foldEvent(state: DeployScreenState, event: DeployEvent): DeployScreenState {
	const next = foldDeployEvent(state, event, {keepLine});
	if (event.type === 'step-end') {
		if (event.ok || next.selectionMoved || state.hosts.some(host => host.error)) return next;
		// The first failure: show it, unless the user is looking at another host on purpose.
		return {...next, selected: next.hosts.findIndex(host => host.host === event.host)};
	}
	if (event.type === 'deploy-end') {
		return {
			...next,
			dialog: state.dialog === 'confirm-abort' ? undefined : state.dialog,
			notice: undefined,
			finished: {ok: event.ok, phase: event.phase, ms: event.ms, ...(event.error === undefined ? {} : {error: event.error})},
		};
	}
	return next;
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
