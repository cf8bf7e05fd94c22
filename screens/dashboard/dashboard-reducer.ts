import {instanceArgument} from '../../services/instance/locate.js';
import type {DaemonStatus, RunInfo, SupervisorEvent} from '../../services/supervisor/events.js';
import {shownLine} from './log-format.js';
import {appendLines, defaultLogLimits, emptyLogBuffer, firstIndex, lineAt, type LogBuffer, type LogLimits} from './log-buffer.js';
import {wrapAround} from '../runtime/wrap-around.js';

type Dialog = 'help' | 'confirm-quit-all' | 'confirm-leave';

type SearchState =
	| {phase: 'off'}
	/** The user is typing a pattern after `/`. */
	| {phase: 'typing'; text: string}
	/** A pattern is highlighted; `match` is the absolute index of the current matching line. */
	| {phase: 'active'; pattern: string; match?: number};

export interface DashboardState {
	info?: RunInfo;
	daemons: DaemonStatus[];
	logs: Record<string, LogBuffer>;
	selected: number;
	/** Following the tail of the selected daemon's log. */
	follow: boolean;
	/** When not following: absolute index one past the last line shown. */
	anchor: number;
	search: SearchState;
	/** The log pane shows lines as the daemons wrote them (else JSON lines are formatted); search looks at what is shown. */
	raw: boolean;
	dialog?: Dialog;
	/** One line of news for the user: what a key did, why nothing happened. */
	notice?: string;
	runReadyMs?: number;
	runFailed?: {daemon: string; error: string};
	/** After `S`, `q`→stop or ^C: the supervisor is stopping everything. */
	stopping: 'no' | 'graceful' | 'forced';
	/** Set once: the app leaves with this code and prints the message after the screen is gone. */
	ended?: {code: number; message: string; detached?: boolean};
	limits: LogLimits;
}

export type DashboardAction =
	| {type: 'events'; events: readonly SupervisorEvent[]}
	| {type: 'select'; delta: number}
	/** `rows`: how many log rows the pane shows, so a page and the clamp are right. */
	| {type: 'scroll'; delta: number; rows: number}
	| {type: 'follow'}
	| {type: 'show-raw'; raw: boolean}
	| {type: 'search-start'}
	| {type: 'search-text'; text: string}
	| {type: 'search-submit'; rows: number}
	| {type: 'search-step'; direction: 'older' | 'newer'; rows: number}
	| {type: 'search-exit'}
	| {type: 'dialog'; dialog?: Dialog}
	| {type: 'notice'; text?: string}
	| {type: 'stopping'; how: 'graceful' | 'forced'}
	| {type: 'detach'}
	| {type: 'connection-lost'; error?: string};

export function initialDashboardState(limits: LogLimits = defaultLogLimits): DashboardState {
	return {daemons: [], logs: {}, selected: 0, follow: true, anchor: 0, search: {phase: 'off'}, raw: false, stopping: 'no', limits};
}

export function dashboardReducer(state: DashboardState, action: DashboardAction): DashboardState {
	switch (action.type) {
		case 'events':
			return foldEvents(state, action.events);
		case 'select': {
			const count = state.daemons.length;
			if (count === 0) return state;
			const selected = wrapAround(state.selected, action.delta, count);
			if (selected === state.selected) return state;
			return {...state, selected, follow: true, search: {phase: 'off'}, notice: undefined};
		}
		case 'scroll':
			return scroll(state, action.delta, action.rows);
		case 'follow':
			return {...state, follow: true, notice: undefined};
		case 'show-raw':
			return {...state, raw: action.raw};
		case 'search-start':
			return {...state, search: {phase: 'typing', text: ''}, dialog: undefined, notice: undefined};
		case 'search-text':
			return state.search.phase === 'typing' ? {...state, search: {phase: 'typing', text: action.text}} : state;
		case 'search-submit':
			return submitSearch(state, action.rows);
		case 'search-step':
			return stepSearch(state, action.direction, action.rows);
		case 'search-exit':
			return {...state, search: {phase: 'off'}, notice: undefined};
		case 'dialog':
			return {...state, dialog: action.dialog};
		case 'notice':
			return {...state, notice: action.text};
		case 'stopping':
			return {...state, stopping: action.how, dialog: undefined};
		case 'detach': {
			if (state.ended) return state;
			const name = state.info?.instance ?? 'the instance';
			return {
				...state,
				ended: {code: 0, detached: true, message: `Detached from ${name}: its daemons keep running. Re-attach with: ampzero run ${commandArgument(state)}`},
			};
		}
		case 'connection-lost': {
			if (state.ended) return state;
			const name = state.info?.instance ?? 'the instance';
			const why = action.error ? ` (${action.error})` : '';
			return {
				...state,
				ended: {
					code: 1,
					message: `Lost the connection to the supervisor of ${name}${why}; its daemons may still be running. Check with: ampzero run ${commandArgument(state)} status`,
				},
			};
		}
	}
}

export function selectedDaemon(state: DashboardState): DaemonStatus | undefined {
	return state.daemons[state.selected];
}

export function selectedLog(state: DashboardState): LogBuffer {
	const daemon = selectedDaemon(state);
	return (daemon && state.logs[daemon.name]) ?? emptyLogBuffer;
}

/** The absolute range [start, end) of the selected log that a pane of `rows` rows shows. */
export function visibleWindow(state: DashboardState, rows: number): {start: number; end: number} {
	const buffer = selectedLog(state);
	const first = firstIndex(buffer);
	const fitting = Math.min(Math.max(rows, 0), buffer.lines.length);
	// Lines may have left the ring since the anchor was set: never show less than a full pane.
	const end = state.follow ? buffer.total : Math.min(buffer.total, Math.max(state.anchor, first + fitting));
	return {start: Math.max(first, end - fitting), end};
}

function foldEvents(state: DashboardState, events: readonly SupervisorEvent[]): DashboardState {
	let next = state;
	// Lines of a whole burst are gathered per daemon and appended once: only the tail survives the cap.
	let pending = new Map<string, {chunks: (readonly string[])[]; count: number}>();
	const flush = (): void => {
		if (pending.size === 0) return;
		const logs = {...next.logs};
		for (const [daemon, {chunks, count}] of pending) {
			logs[daemon] = appendLines(logs[daemon] ?? emptyLogBuffer, tailOf(chunks, next.limits.maxLines), next.limits, count);
		}
		next = {...next, logs};
		pending = new Map();
	};
	for (const event of events) {
		switch (event.type) {
			case 'log-lines': {
				const entry = pending.get(event.daemon) ?? {chunks: [], count: 0};
				const skipped = event.skipped ?? 0;
				if (skipped > 0) {
					// Lines the supervisor left out of a flood: one marker line stands in for them.
					entry.chunks.push([skippedMarker(skipped)]);
					entry.count += 1;
				}
				entry.chunks.push(event.lines);
				entry.count += event.lines.length;
				pending.set(event.daemon, entry);
				break;
			}
			case 'snapshot': {
				pending = new Map();
				const logs: Record<string, LogBuffer> = {};
				for (const [daemon, lines] of Object.entries(event.logs)) logs[daemon] = appendLines(emptyLogBuffer, lines, next.limits);
				const previous = selectedDaemon(next)?.name;
				const selected = Math.max(0, event.daemons.findIndex(daemon => daemon.name === previous));
				const notice = event.info.notices?.at(-1) ?? next.notice;
				next = {...next, info: event.info, daemons: event.daemons, logs, selected, follow: true, ...(notice === undefined ? {} : {notice})};
				break;
			}
			case 'daemon-state': {
				const index = next.daemons.findIndex(daemon => daemon.name === event.daemon.name);
				const daemons = next.daemons.slice();
				if (index === -1) daemons.push(event.daemon);
				else daemons[index] = event.daemon;
				next = {...next, daemons};
				break;
			}
			case 'run-info':
				next = {...next, info: event.info};
				break;
			case 'notice':
				next = {...next, notice: event.text};
				break;
			case 'nat-state':
				if (next.info) next = {...next, info: {...next.info, nat: event.nat}};
				break;
			case 'remote-state':
				if (next.info) next = {...next, info: {...next.info, remote: event.remote}};
				break;
			case 'run-ready':
				next = {...next, runReadyMs: event.elapsedMs, runFailed: undefined};
				break;
			case 'run-failed':
				next = {...next, runFailed: {daemon: event.daemon, error: event.error}};
				break;
			case 'supervisor-exit':
				flush();
				if (!next.ended) next = {...next, ended: {code: event.reason === 'failed' ? 1 : 0, message: exitMessage(next, event.reason)}};
				break;
		}
	}
	flush();
	return next;
}

export function skippedMarker(count: number): string {
	return `… ${count} line${count === 1 ? '' : 's'} not shown here (a flood): the log file has every line`;
}

function tailOf(chunks: (readonly string[])[], max: number): string[] {
	const tail: string[] = [];
	for (let c = chunks.length - 1; c >= 0 && tail.length < max; c--) {
		const chunk = chunks[c] ?? [];
		for (let i = chunk.length - 1; i >= 0 && tail.length < max; i--) tail.push(chunk[i] ?? '');
	}
	return tail.reverse();
}

/** The instance as the user names it on the command line (NAME beside the checkout, else its path). */
function commandArgument(state: DashboardState): string {
	return state.info ? instanceArgument(state.info.instanceDirectory) : 'NAME';
}

function exitMessage(state: DashboardState, reason: 'stopped' | 'quit' | 'failed'): string {
	const name = state.info?.instance ?? 'the instance';
	if (reason === 'stopped') return `Every daemon of ${name} has stopped.`;
	if (reason === 'quit') return `Every daemon of ${name} was force-quit.`;
	const failed = state.runFailed;
	return failed
		? `The supervisor of ${name} stopped: ${failed.daemon} failed: ${failed.error}. Its log: ampzero run ${commandArgument(state)} logs ${failed.daemon}`
		: `The supervisor of ${name} stopped after a failure. Logs: ampzero run ${commandArgument(state)} logs DAEMON`;
}

function scroll(state: DashboardState, delta: number, rows: number): DashboardState {
	const buffer = selectedLog(state);
	const {end} = visibleWindow(state, rows);
	const lowest = firstIndex(buffer) + Math.min(rows, buffer.lines.length);
	const target = Math.min(buffer.total, Math.max(lowest, end + delta));
	if (target >= buffer.total) return {...state, follow: true, notice: undefined};
	return {...state, follow: false, anchor: target, notice: undefined};
}

/** Positions the window so line `index` shows about a third from the bottom. */
function reveal(state: DashboardState, index: number, rows: number): DashboardState {
	const buffer = selectedLog(state);
	const end = Math.min(buffer.total, index + 1 + Math.floor(rows / 3));
	return end >= buffer.total ? {...state, follow: true} : {...state, follow: false, anchor: end};
}

function submitSearch(state: DashboardState, rows: number): DashboardState {
	if (state.search.phase !== 'typing') return state;
	const pattern = state.search.text;
	if (pattern === '') return {...state, search: {phase: 'off'}};
	const buffer = selectedLog(state);
	const match = findMatch(buffer, pattern, buffer.total - 1, -1, state.raw);
	const searched: DashboardState = {...state, search: {phase: 'active', pattern, match}};
	if (match === undefined) return {...searched, notice: `No line matches “${pattern}”`};
	return {...reveal(searched, match, rows), notice: undefined};
}

function stepSearch(state: DashboardState, direction: 'older' | 'newer', rows: number): DashboardState {
	if (state.search.phase !== 'active') return state;
	const buffer = selectedLog(state);
	const {pattern} = state.search;
	const current = state.search.match ?? buffer.total;
	const step = direction === 'older' ? -1 : 1;
	const from = Math.max(firstIndex(buffer) - 1, current) + step;
	const match = findMatch(buffer, pattern, from, step, state.raw);
	if (match === undefined) return {...state, notice: `No ${direction} line matches “${pattern}”`};
	return {...reveal({...state, search: {phase: 'active', pattern, match}}, match, rows), notice: undefined};
}

/** The next line from `from` whose shown text (formatted, or raw) holds the pattern. */
function findMatch(buffer: LogBuffer, pattern: string, from: number, step: 1 | -1, raw: boolean): number | undefined {
	const needle = pattern.toLowerCase();
	const first = firstIndex(buffer);
	for (let index = from; index >= first && index < buffer.total; index += step) {
		const line = lineAt(buffer, index);
		if (line !== undefined && shownLine(line, raw).text.toLowerCase().includes(needle)) return index;
	}
	return undefined;
}
