import type {FleetEvent, HostLink} from '../../services/fleet/fleet-watch.js';
import type {DaemonUsage} from '../../services/supervisor/usage.js';
import type {SupervisorEvent} from '../../services/supervisor/events.js';
import {dashboardReducer, initialDashboardState, type DashboardAction, type DashboardState} from '../dashboard/dashboard-reducer.js';
import type {LogLimits} from '../dashboard/log-buffer.js';
import {wrapAround} from '../runtime/wrap-around.js';

/** One host as the fleet view knows it: its SSH link and its supervisor's state, folded by the dashboard's reducer. */
export interface FleetHostState {
	label: string;
	link: HostLink;
	/** Why it is unreachable (or why its supervisor's events ended), and when it is tried again. */
	error?: string;
	retryInMs?: number;
	/** When the link last changed (the clock of the events' fold), for "retrying in N s". */
	linkSince?: number;
	/** `.current` on the host: the ampify and instance releases it runs. */
	release?: string;
	/** The host's supervisor: daemons, logs, NAT and remote dependencies; its `selected` is the daemon selected on this host. */
	board: DashboardState;
	usage: Readonly<Record<string, DaemonUsage>>;
}

type FleetDialog = 'help' | 'confirm-stop-all' | 'confirm-quit-host';

export interface FleetState {
	instance: string;
	hosts: FleetHostState[];
	/** The selected host; its board's `selected` is the selected daemon. */
	host: number;
	dialog?: FleetDialog;
	/** One line of news: what a key did, why nothing happened. */
	notice?: string;
	/** Set once: the view closes (nothing on the hosts stops). */
	ended?: {code: number; message: string};
	limits?: LogLimits;
}

export type FleetAction =
	| {type: 'events'; events: readonly FleetEvent[]; at: number}
	| {type: 'select'; delta: number}
	| {type: 'select-host'; delta: number}
	/** A log action (scroll, follow, search, raw) for the selected host's board. */
	| {type: 'board'; action: DashboardAction}
	| {type: 'dialog'; dialog?: FleetDialog}
	| {type: 'notice'; text?: string}
	| {type: 'leave'; message: string}
	| {type: 'watch-ended'; error?: string};

export function initialFleetState(instance: string, hosts: readonly string[], limits?: LogLimits): FleetState {
	return {
		instance,
		hosts: hosts.map(label => ({label, link: 'connecting', board: initialDashboardState(limits), usage: {}})),
		host: 0,
		...(limits ? {limits} : {}),
	};
}

/** Rows of the list: a host's own row, then one per daemon (`daemon` is its index on that host). */
export interface FleetRow {
	host: number;
	daemon?: number;
}

export function fleetRows(state: FleetState): FleetRow[] {
	const rows: FleetRow[] = [];
	state.hosts.forEach((host, index) => {
		rows.push({host: index});
		host.board.daemons.forEach((_, daemon) => rows.push({host: index, daemon}));
	});
	return rows;
}

/** The places the selection can be: every daemon, and a host with none known yet (its own row). */
function selectable(state: FleetState): FleetRow[] {
	return fleetRows(state).filter(row => row.daemon !== undefined || state.hosts[row.host]!.board.daemons.length === 0);
}

export function selectedHost(state: FleetState): FleetHostState | undefined {
	return state.hosts[state.host];
}

/** The selected row: a daemon, or the host row of a host with no daemons known. */
export function selectedRow(state: FleetState): FleetRow {
	const host = selectedHost(state);
	return host && host.board.daemons.length > 0 ? {host: state.host, daemon: host.board.selected} : {host: state.host};
}

export function fleetReducer(state: FleetState, action: FleetAction): FleetState {
	switch (action.type) {
		case 'events':
			return foldFleetEvents(state, action.events, action.at);
		case 'select':
			return moveSelection(state, action.delta);
		case 'select-host': {
			const count = state.hosts.length;
			if (count === 0) return state;
			const host = wrapAround(state.host, action.delta, count);
			return select(state, {host, ...(state.hosts[host]!.board.daemons.length > 0 ? {daemon: 0} : {})});
		}
		case 'board':
			return withBoard(state, state.host, board => dashboardReducer(board, action.action));
		case 'dialog':
			return {...state, dialog: action.dialog};
		case 'notice':
			return {...state, notice: action.text};
		case 'leave':
			return state.ended ? state : {...state, ended: {code: 0, message: action.message}};
		case 'watch-ended':
			return state.ended ? state : {...state, ended: {code: action.error ? 1 : 0, message: action.error ? `The fleet view stopped: ${action.error}` : 'The fleet view stopped.'}};
	}
}

function moveSelection(state: FleetState, delta: number): FleetState {
	const rows = selectable(state);
	if (rows.length === 0) return state;
	const current = selectedRow(state);
	const at = Math.max(0, rows.findIndex(row => row.host === current.host && row.daemon === current.daemon));
	const next = rows[wrapAround(at, delta, rows.length)]!;
	return select(state, next);
}

function select(state: FleetState, row: FleetRow): FleetState {
	const current = selectedRow(state);
	if (row.host === current.host && row.daemon === current.daemon) return state;
	let next: FleetState = {...state, host: row.host, notice: undefined};
	// A search and a scroll belong to the log they were made in: the newly selected log follows its tail.
	next = withBoard(next, row.host, board => ({...board, selected: row.daemon ?? 0, follow: true, search: {phase: 'off'}, notice: undefined}));
	if (row.host !== state.host) next = withBoard(next, state.host, board => ({...board, follow: true, search: {phase: 'off'}}));
	return next;
}

function withBoard(state: FleetState, index: number, change: (board: DashboardState) => DashboardState): FleetState {
	const host = state.hosts[index];
	if (!host) return state;
	const board = change(host.board);
	if (board === host.board) return state;
	const hosts = state.hosts.slice();
	hosts[index] = {...host, board};
	return {...state, hosts};
}

/** A batch of every host's events: the supervisor events of each host are folded by the dashboard's reducer, in one go per host. */
function foldFleetEvents(state: FleetState, events: readonly FleetEvent[], at: number): FleetState {
	const hosts = state.hosts.slice();
	const byLabel = new Map(hosts.map((host, index) => [host.label, index]));
	let pending = new Map<number, SupervisorEvent[]>();
	const flush = (): void => {
		for (const [index, supervisorEvents] of pending) {
			const host = hosts[index]!;
			hosts[index] = {...host, board: dashboardReducer(host.board, {type: 'events', events: supervisorEvents})};
		}
		pending = new Map();
	};
	for (const event of events) {
		const index = byLabel.get(event.host);
		if (index === undefined) continue;
		if (event.type === 'supervisor') {
			const list = pending.get(index) ?? [];
			list.push(event.event);
			pending.set(index, list);
			continue;
		}
		// A link change or usage lands after the supervisor events before it.
		flush();
		const host = hosts[index]!;
		if (event.type === 'usage') {
			hosts[index] = {...host, usage: event.usage};
			continue;
		}
		const {link, error, retryInMs, release} = event;
		hosts[index] = {
			label: host.label,
			link,
			linkSince: at,
			board: host.board,
			// Usage is only known while the host answers.
			usage: link === 'connected' ? host.usage : {},
			...(release ?? host.release ? {release: release ?? host.release} : {}),
			...(error ? {error} : {}),
			...(retryInMs === undefined ? {} : {retryInMs}),
		};
	}
	flush();
	let next: FleetState = {...state, hosts};
	// A snapshot may have come for the selected host: its board keeps the selected daemon by name.
	const selected = hosts[state.host];
	if (selected && selected.board.selected >= selected.board.daemons.length && selected.board.daemons.length > 0) {
		next = withBoard(next, state.host, board => ({...board, selected: 0}));
	}
	return next;
}

/** Whether a host's daemons are live (else they are what it last said before it dropped). */
export function hostLive(host: FleetHostState): boolean {
	return host.link === 'connected';
}

/**
 * Whether folding these events changes what the view shows: anything but log lines does, and so
 * do lines of the daemon whose log is on screen (the selected host's selected daemon). Lines of
 * every other daemon are kept for when it is selected, without a frame drawn for them.
 */
export function eventsShown(state: FleetState, events: readonly FleetEvent[]): boolean {
	const host = state.hosts[state.host];
	const shown = host?.board.daemons[host.board.selected]?.name;
	for (const event of events) {
		if (event.type !== 'supervisor' || event.event.type !== 'log-lines') return true;
		if (event.host === host?.label && event.event.daemon === shown) return true;
	}
	return false;
}
