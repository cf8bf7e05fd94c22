import type {Key} from 'ink';
import {describe, expect, it} from 'vitest';
import {dashboardMode, dashboardRules} from '../../screens/dashboard/dashboard-interpret.js';
import {inputTookRead, keyPresses} from '../../screens/runtime/key-presses.js';
import {keyOutcome} from '../../screens/runtime/use-screen.js';
import {dashboardReducer, initialDashboardState, selectedLog, skippedMarker, visibleWindow, type DashboardState} from '../../screens/dashboard/dashboard-reducer.js';
import {cleanLine} from '../../screens/runtime/clean-line.js';
import {noKey} from '../helpers/keys.js';
import type {DaemonStatus, SupervisorCommand, SupervisorEvent} from '../../services/supervisor/events.js';

const info = {instance: 'kickass', instanceDirectory: '/srv/kickass', frontendUrl: 'https://localhost:8040', supervisorPid: 4242};
const daemons: DaemonStatus[] = [
	{name: 'keyspace', state: 'ready', pid: 101, startedAt: 1000, restarts: 0, port: 2379},
	{name: 'redis-live', state: 'starting', pid: 102, startedAt: 1000, restarts: 0, port: 6380},
	{name: 'ampnode', state: 'pending', restarts: 0, port: 8041},
];

function fold(state: DashboardState, ...events: SupervisorEvent[]): DashboardState {
	return dashboardReducer(state, {type: 'events', events});
}

function lines(prefix: string, count: number, from = 1): string[] {
	return Array.from({length: count}, (_, i) => `${prefix} ${from + i}`);
}

function started(): DashboardState {
	return fold(initialDashboardState(), {type: 'snapshot', info, daemons, logs: {keyspace: ['k1', 'k2'], 'redis-live': []}});
}


/** What the key handler does: each press is interpreted, its actions folded in; what it sends is kept in `sent`. */
function pressAndSend(state: DashboardState, input: string, key: Partial<Key> = {}, ownsSupervisor = false): {state: DashboardState; sent: SupervisorCommand[]} {
	const sent: SupervisorCommand[] = [];
	let next = state;
	const rules = dashboardRules({ownsSupervisor, logRows: 10});
	for (const [text, pressed] of keyPresses(input, {...noKey, ...key})) {
		const outcome = keyOutcome(rules, next, text, pressed, {inputTook: inputTookRead(input)});
		for (const action of outcome.actions) next = dashboardReducer(next, action);
		sent.push(...outcome.effects.map(effect => effect.command));
	}
	return {state: next, sent};
}

function press(state: DashboardState, input: string, key: Partial<Key> = {}, ownsSupervisor = false): DashboardState {
	return pressAndSend(state, input, key, ownsSupervisor).state;
}

/** The commands a press sends to the supervisor. */
function sentBy(state: DashboardState, input: string, key: Partial<Key> = {}, ownsSupervisor = false): SupervisorCommand[] {
	return pressAndSend(state, input, key, ownsSupervisor).sent;
}

describe('dashboard reducer: events', () => {
	it('takes the whole picture from the snapshot', () => {
		const state = started();
		expect(state.info).toEqual(info);
		expect(state.daemons.map(d => d.name)).toEqual(['keyspace', 'redis-live', 'ampnode']);
		expect(state.logs['keyspace']?.lines).toEqual(['k1', 'k2']);
		expect(state.logs['keyspace']?.total).toBe(2);
	});

	it('replaces a daemon on daemon-state and adds one it did not know', () => {
		let state = fold(started(), {type: 'daemon-state', daemon: {name: 'ampnode', state: 'ready', pid: 303, startedAt: 5000, restarts: 1, port: 8041}});
		expect(state.daemons[2]).toMatchObject({state: 'ready', pid: 303, restarts: 1});
		state = fold(state, {type: 'daemon-state', daemon: {name: 'worker', state: 'starting', restarts: 0}});
		expect(state.daemons.map(d => d.name)).toEqual(['keyspace', 'redis-live', 'ampnode', 'worker']);
	});

	it('appends log-lines batches in order, several in one fold', () => {
		const state = fold(
			started(),
			{type: 'log-lines', daemon: 'keyspace', lines: ['k3', 'k4']},
			{type: 'log-lines', daemon: 'ampnode', lines: ['a1']},
			{type: 'log-lines', daemon: 'keyspace', lines: ['k5']},
		);
		expect(state.logs['keyspace']?.lines).toEqual(['k1', 'k2', 'k3', 'k4', 'k5']);
		expect(state.logs['keyspace']?.total).toBe(5);
		expect(state.logs['ampnode']?.lines).toEqual(['a1']);
	});

	it('caps each daemon ring in lines, keeping the newest and counting every line', () => {
		let state = fold(initialDashboardState({maxLines: 100, maxBytes: 1_000_000, maxLineLength: 200}), {type: 'snapshot', info, daemons, logs: {}});
		const batches: SupervisorEvent[] = [];
		for (let batch = 0; batch < 50; batch++) batches.push({type: 'log-lines', daemon: 'keyspace', lines: lines('line', 1000, batch * 1000 + 1)});
		state = fold(state, ...batches);
		state = fold(state, {type: 'log-lines', daemon: 'keyspace', lines: ['last']});
		const log = state.logs['keyspace'];
		expect(log?.lines.length).toBe(100);
		expect(log?.lines[0]).toBe('line 49902');
		expect(log?.lines.at(-1)).toBe('last');
		expect(log?.total).toBe(50_001);
	});

	it('marks where the supervisor skipped lines in a flood with one line', () => {
		const state = fold(started(), {type: 'log-lines', daemon: 'keyspace', lines: ['k999'], skipped: 996});
		expect(state.logs['keyspace']?.lines).toEqual(['k1', 'k2', skippedMarker(996), 'k999']);
		expect(skippedMarker(996)).toBe('… 996 lines not shown here (a flood): the log file has every line');
		expect(state.logs['keyspace']?.total).toBe(4);
	});

	it('caps each daemon ring in bytes and cuts long lines', () => {
		let state = fold(initialDashboardState({maxLines: 1000, maxBytes: 1000, maxLineLength: 50}), {type: 'snapshot', info, daemons, logs: {}});
		state = fold(state, {type: 'log-lines', daemon: 'keyspace', lines: Array.from({length: 100}, (_, i) => `${i}`.padEnd(300, 'x'))});
		const log = state.logs['keyspace'];
		expect(log?.lines.every(line => line.length === 50)).toBe(true);
		expect(log?.bytes).toBeLessThanOrEqual(1000);
		expect(log?.lines.length).toBe(19);
		expect(log?.lines.at(-1)?.startsWith('99x')).toBe(true);
	});

	it('shows a line as a terminal would: after \\r it starts over, escapes and controls are dropped', () => {
		expect(cleanLine('progress 10%\rprogress 100%\r', 100)).toBe('progress 100%');
		expect(cleanLine('\u001B[31merror\u001B[0m: disk\tfull\u0007', 100)).toBe('error: disk    full');
	});

	it('takes new header facts from run-info, and notices from the supervisor', () => {
		let state = fold(started(), {type: 'run-info', info: {...info, loginUrl: 'https://localhost:8040/login?token=abc'}});
		expect(state.info?.loginUrl).toBe('https://localhost:8040/login?token=abc');
		state = fold(state, {type: 'notice', text: 'announced to the hub as 203.0.113.7:8040'});
		expect(state.notice).toBe('announced to the hub as 203.0.113.7:8040');
	});

	it('ends with a message when the supervisor exits, and keeps the first reason', () => {
		let state = fold(started(), {type: 'run-failed', daemon: 'zerodata', error: 'not ready after 10 s', lastLines: []}, {type: 'supervisor-exit', reason: 'failed'});
		expect(state.ended?.code).toBe(1);
		expect(state.ended?.message).toContain('zerodata failed: not ready after 10 s');
		state = dashboardReducer(state, {type: 'connection-lost'});
		expect(state.ended?.code).toBe(1);
		expect(state.ended?.message).toContain('zerodata');
		const stopped = fold(started(), {type: 'supervisor-exit', reason: 'stopped'});
		expect(stopped.ended).toEqual({code: 0, message: 'Every daemon of kickass has stopped.'});
	});

	it('ends with code 1 when the connection drops without a goodbye', () => {
		const state = dashboardReducer(started(), {type: 'connection-lost', error: 'socket closed'});
		expect(state.ended?.code).toBe(1);
		expect(state.ended?.message).toContain('Lost the connection to the supervisor of kickass (socket closed)');
	});
});

describe('dashboard reducer: selection, scrolling, search', () => {
	it('moves the selection with wrap-around and keeps it by name across snapshots', () => {
		let state = press(started(), 'j');
		expect(state.selected).toBe(1);
		state = press(state, '', {downArrow: true});
		state = press(state, '', {downArrow: true});
		expect(state.selected).toBe(0);
		state = press(state, 'k');
		expect(state.selected).toBe(2);
		state = fold(state, {type: 'snapshot', info, daemons: [daemons[2]!, daemons[0]!], logs: {}});
		expect(state.selected).toBe(0);
		expect(state.daemons[0]?.name).toBe('ampnode');
	});

	it('follows the tail, PgUp stops following and holds still while lines arrive, End resumes', () => {
		let state = fold(started(), {type: 'log-lines', daemon: 'keyspace', lines: lines('k', 98, 3)});
		expect(visibleWindow(state, 10)).toEqual({start: 90, end: 100});
		state = press(state, '', {pageUp: true});
		expect(state.follow).toBe(false);
		expect(visibleWindow(state, 10)).toEqual({start: 81, end: 91});
		state = fold(state, {type: 'log-lines', daemon: 'keyspace', lines: lines('more', 20)});
		expect(visibleWindow(state, 10)).toEqual({start: 81, end: 91});
		state = press(state, '', {pageDown: true});
		expect(visibleWindow(state, 10)).toEqual({start: 90, end: 100});
		state = press(state, '', {end: true});
		expect(state.follow).toBe(true);
		expect(visibleWindow(state, 10)).toEqual({start: 110, end: 120});
	});

	it('never scrolls past the oldest line, and PgDn at the bottom follows again', () => {
		let state = fold(started(), {type: 'log-lines', daemon: 'keyspace', lines: lines('k', 23, 3)});
		for (let i = 0; i < 5; i++) state = press(state, '', {pageUp: true});
		expect(visibleWindow(state, 10)).toEqual({start: 0, end: 10});
		for (let i = 0; i < 3; i++) state = press(state, '', {pageDown: true});
		expect(state.follow).toBe(true);
	});

	it('searches: / then typing then Enter jumps to the newest match; n older, N newer; Esc leaves', () => {
		let state = fold(started(), {type: 'log-lines', daemon: 'keyspace', lines: [...lines('k', 40, 3), 'ERROR one', ...lines('k', 40, 43), 'error two', ...lines('k', 40, 83)]});
		state = press(state, '/');
		expect(dashboardMode(state, false)).toBe('search');
		for (const char of 'erx') state = press(state, char);
		state = press(state, '', {backspace: true});
		state = press(state, 'r');
		expect(state.search).toEqual({phase: 'typing', text: 'err'});
		state = press(state, '', {return: true});
		expect(state.search).toEqual({phase: 'active', pattern: 'err', match: 83});
		expect(state.follow).toBe(false);
		const window = visibleWindow(state, 10);
		expect(83).toBeGreaterThanOrEqual(window.start);
		expect(83).toBeLessThan(window.end);
		state = press(state, 'n');
		expect(state.search).toMatchObject({match: 42});
		state = press(state, 'n');
		expect(state.search).toMatchObject({match: 42});
		expect(state.notice).toBe('No older line matches “err”');
		state = press(state, 'N');
		expect(state.search).toMatchObject({match: 83});
		state = press(state, '', {escape: true});
		expect(state.search).toEqual({phase: 'off'});
	});

	it('takes keys typed faster than they are read one by one', () => {
		let state = press(started(), 'jj');
		expect(state.selected).toBe(2);
		state = press(state, '/err\r');
		expect(state.search).toEqual({phase: 'active', pattern: 'err', match: undefined});
	});

	it('says so when nothing matches', () => {
		let state = press(started(), '/');
		state = press(state, 'zzz');
		state = press(state, '', {return: true});
		expect(state.search).toEqual({phase: 'active', pattern: 'zzz', match: undefined});
		expect(state.notice).toBe('No line matches “zzz”');
		expect(selectedLog(state).lines).toEqual(['k1', 'k2']);
	});
});

describe('dashboard reducer: keys that reach the supervisor', () => {
	it('s stops the selected daemon; r restarts it, or starts it when it is down', () => {
		expect(sentBy(started(), 's')).toEqual([{type: 'stop', daemon: 'keyspace'}]);
		expect(press(started(), 's').notice).toBe('Stopping keyspace…');
		expect(sentBy(started(), 'r')).toEqual([{type: 'restart', daemon: 'keyspace'}]);
		const stopped = fold(started(), {type: 'daemon-state', daemon: {...daemons[0]!, state: 'stopped'}});
		expect(sentBy(stopped, 'r')).toEqual([{type: 'start', daemon: 'keyspace'}]);
	});

	it('j and k move the selection one row each way, several presses in one read one by one', () => {
		expect(press(started(), 'j').selected).toBe(1);
		expect(press(started(), 'k').selected).toBe(2);
		expect(press(started(), 'jj').selected).toBe(2);
		expect(press(started(), '', {downArrow: true}).selected).toBe(1);
	});

	it('Q asks first; only y force-quits', () => {
		const state = press(started(), 'Q');
		expect(state.dialog).toBe('confirm-quit-all');
		expect(sentBy(state, 'n')).toEqual([]);
		expect(press(state, 'n').dialog).toBeUndefined();
		expect(sentBy(state, 'y')).toEqual([{type: 'quit-all'}]);
		expect(press(state, 'y').stopping).toBe('forced');
	});

	it('q asks stop or detach when daemonised; d detaches with a line saying how to come back', () => {
		const state = press(started(), 'q');
		expect(dashboardMode(state, false)).toBe('confirm-leave');
		expect(sentBy(state, 'd')).toEqual([]);
		expect(press(state, 'd').ended).toEqual({code: 0, detached: true, message: 'Detached from kickass: its daemons keep running. Re-attach with: ampzero run /srv/kickass'});
		expect(press(started(), 'd').ended?.detached).toBe(true);
		expect(sentBy(state, 's')).toEqual([{type: 'stop-all'}]);
	});

	it('with --no-daemon, q asks stop or cancel, and ^C stops then forces', () => {
		expect(dashboardMode(started(), true)).toBe('list-foreground');
		expect(press(started(), 'd', {}, true).ended).toBeUndefined();
		let state = press(started(), 'q', {}, true);
		expect(dashboardMode(state, true)).toBe('confirm-stop');
		expect(press(state, 'd', {}, true).ended).toBeUndefined();
		state = press(state, '', {escape: true}, true);
		expect(state.dialog).toBeUndefined();
		expect(sentBy(state, 'c', {ctrl: true}, true)).toEqual([{type: 'stop-all'}]);
		state = press(state, 'c', {ctrl: true}, true);
		expect(sentBy(state, 'c', {ctrl: true}, true)).toEqual([{type: 'quit-all'}]);
		state = press(state, 'c', {ctrl: true}, true);
		expect(sentBy(state, 'c', {ctrl: true}, true)).toEqual([]);
	});

	it('daemonised, ^C asks like q, and a second ^C detaches', () => {
		let state = press(started(), 'c', {ctrl: true});
		expect(state.dialog).toBe('confirm-leave');
		expect(sentBy(state, 'c', {ctrl: true})).toEqual([]);
		state = press(state, 'c', {ctrl: true});
		expect(state.ended?.detached).toBe(true);
	});

	it('ignores keys once it has ended', () => {
		const state = fold(started(), {type: 'supervisor-exit', reason: 'stopped'});
		expect(press(state, 's')).toBe(state);
		expect(sentBy(state, 's')).toEqual([]);
	});
});
