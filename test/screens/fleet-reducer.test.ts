import {describe, expect, it} from 'vitest';
import {interpretFleet, fleetMode, fleetText} from '../../screens/fleet/fleet-interpret.js';
import type {FleetCommand} from '../../screens/fleet/fleet-keymap.js';
import {eventsShown, fleetReducer, fleetRows, initialFleetState, selectedHost, type FleetAction, type FleetState} from '../../screens/fleet/fleet-reducer.js';
import type {FleetEvent} from '../../services/fleet/fleet-watch.js';
import {releasesLine} from '../../screens/fleet/FleetHeader.js';
import {reduceAll} from '../../screens/runtime/use-screen.js';
import {noKey} from '../../screens/runtime/key-presses.js';
import {hostLabels, hostUp, releaseOf} from './fleet-fixtures.js';

const context = {logRows: 10};
const hosts = hostLabels(3);

function connected(count = 3): FleetState {
	const labels = hostLabels(count);
	return fleetReducer(initialFleetState('kickass', labels), {type: 'events', events: labels.flatMap((host, index) => hostUp(host, index)), at: 1000});
}

/** Presses commands as keys would, reducing each outcome into the state the next one sees. */
function press(state: FleetState, ...commands: FleetCommand[]): {state: FleetState; effects: ReturnType<typeof interpretFleet>['effects'][number][]} {
	let current = state;
	const effects: ReturnType<typeof interpretFleet>['effects'][number][] = [];
	for (const command of commands) {
		const outcome = interpretFleet(current, command, context);
		current = reduceAll(fleetReducer, current, outcome.actions);
		effects.push(...outcome.effects);
	}
	return {state: current, effects};
}

const selectedName = (state: FleetState): string => {
	const host = selectedHost(state)!;
	return `${host.label} ${host.board.daemons[host.board.selected]?.name ?? '-'}`;
};

describe('fleet view: fold and keys without rendering', () => {
	it('folds each host\'s events into its own board: daemons, release, usage, remote dependencies', () => {
		const state = connected();
		expect(state.hosts.map(host => [host.label, host.link, host.release, host.board.daemons.length])).toEqual(hosts.map(host => [host, 'connected', releaseOf, 7]));
		expect(state.hosts[1]!.usage['ampnode']?.rssBytes).toBe(7 * 8 * 1024 * 1024);
		expect(state.hosts[2]!.board.info?.remote?.[0]?.reachable).toBe(true);
		expect(fleetRows(state)).toHaveLength(3 * 8);
		// A daemon-state on host 2 changes host 2 only.
		const next = fleetReducer(state, {type: 'events', at: 2000, events: [{type: 'supervisor', host: hosts[1]!, event: {type: 'daemon-state', daemon: {...state.hosts[1]!.board.daemons[5]!, restarts: 1}}}]});
		expect(next.hosts.map(host => host.board.daemons[5]!.restarts)).toEqual([0, 1, 0]);
		expect(next.hosts[0]).toBe(state.hosts[0]);
	});

	it('moves the selection across hosts, skipping host rows; Tab jumps to the next host', () => {
		let {state} = press(connected(), 'select-next');
		expect(selectedName(state)).toBe(`${hosts[0]} redis-live`);
		state = press(state, ...Array<FleetCommand>(6).fill('select-next')).state;
		expect(selectedName(state)).toBe(`${hosts[1]} keyspace`);
		state = press(state, 'select-previous').state;
		expect(selectedName(state)).toBe(`${hosts[0]} nginx`);
		state = press(state, 'host-next', 'host-next').state;
		expect(selectedName(state)).toBe(`${hosts[2]} keyspace`);
		state = press(state, 'host-next').state;
		expect(selectedName(state)).toBe(`${hosts[0]} keyspace`);
	});

	it('stop and restart go to the selected daemon\'s host only', () => {
		let {state} = press(connected(), 'host-next', 'select-next', 'select-next', 'select-next', 'select-next', 'select-next');
		expect(selectedName(state)).toBe(`${hosts[1]} ampnode`);
		const stopped = press(state, 'stop-daemon');
		expect(stopped.effects).toEqual([{type: 'send', host: hosts[1], command: {type: 'stop', daemon: 'ampnode'}}]);
		expect(stopped.state.notice).toBe(`Stopping ampnode on ${hosts[1]}…`);
		state = fleetReducer(stopped.state, {type: 'events', at: 3000, events: [{type: 'supervisor', host: hosts[1]!, event: {type: 'daemon-state', daemon: {name: 'ampnode', state: 'stopped', restarts: 0}}}]});
		// A stopped daemon is started, not restarted.
		expect(press(state, 'restart-daemon').effects).toEqual([{type: 'send', host: hosts[1], command: {type: 'start', daemon: 'ampnode'}}]);
		expect(press(connected(), 'restart-daemon').effects).toEqual([{type: 'send', host: hosts[0], command: {type: 'restart', daemon: 'keyspace'}}]);
	});

	it('S asks first: this host, every host, or cancel; nothing is sent before the answer', () => {
		const asked = press(connected(), 'host-next', 'stop-all');
		expect(asked.effects).toEqual([]);
		expect(fleetMode(asked.state)).toBe('confirm-stop-all');
		expect(press(asked.state, 'confirm-cancel')).toEqual({state: expect.objectContaining({dialog: undefined}), effects: []});
		expect(press(asked.state, 'stop-host').effects).toEqual([{type: 'send', host: hosts[1], command: {type: 'stop-all'}}]);
		expect(press(asked.state, 'stop-everywhere').effects).toEqual(hosts.map(host => ({type: 'send', host, command: {type: 'stop-all'}})));
		const quit = press(connected(), 'quit-host');
		expect(quit.effects).toEqual([]);
		expect(fleetMode(quit.state)).toBe('confirm-quit-host');
		expect(press(quit.state, 'confirm-yes').effects).toEqual([{type: 'send', host: hosts[0], command: {type: 'quit-all'}}]);
	});

	it('a dropped host keeps its daemons, shown as it last said, and takes no commands; it comes back with a new snapshot', () => {
		let state = fleetReducer(connected(), {type: 'events', at: 5000, events: [{type: 'host-link', host: hosts[2]!, link: 'unreachable', error: 'connect ECONNREFUSED', retryInMs: 4000}]});
		const third = state.hosts[2]!;
		expect([third.link, third.error, third.retryInMs, third.linkSince, third.release, third.board.daemons.length]).toEqual(['unreachable', 'connect ECONNREFUSED', 4000, 5000, releaseOf, 7]);
		expect(third.usage).toEqual({});
		state = press(state, 'host-previous').state;
		expect(selectedHost(state)!.label).toBe(hosts[2]);
		const refused = press(state, 'stop-daemon');
		expect(refused.effects).toEqual([]);
		expect(refused.state.notice).toBe(`${hosts[2]} is unreachable: nothing sent`);
		// Stopping everywhere leaves the dropped host out and says so.
		const everywhere = press(state, 'stop-all', 'stop-everywhere');
		expect(everywhere.effects.map(effect => effect.host)).toEqual(hosts.slice(0, 2));
		expect(everywhere.state.notice).toContain('1 not connected');
		state = fleetReducer(state, {type: 'events', at: 9000, events: hostUp(hosts[2]!, 2, 'ampify-0000000000 instance-1111111111')});
		expect(state.hosts[2]!.link).toBe('connected');
		expect(state.hosts[2]!.error).toBeUndefined();
		expect(releasesLine(state)).toBe(`${releaseOf} on 2 · ampify-0000000000 instance-1111111111 on 1 (${hosts[2]})`);
	});

	it('a host not heard from yet is a row of its own that can be selected', () => {
		let state = initialFleetState('kickass', hosts);
		expect(fleetRows(state)).toEqual([{host: 0}, {host: 1}, {host: 2}]);
		state = fleetReducer(state, {type: 'events', at: 0, events: hostUp(hosts[1]!, 1)});
		state = press(state, 'select-next').state;
		expect(selectedName(state)).toBe(`${hosts[1]} keyspace`);
		expect(press(initialFleetState('kickass', hosts), 'stop-daemon').effects).toEqual([]);
	});

	it('the log keys act on the selected host\'s log: search typed, found, and left when another daemon is selected', () => {
		let {state} = press(connected(), 'host-next', 'search');
		expect(fleetMode(state)).toBe('search');
		for (const char of 'line 0020') state = reduceAll(fleetReducer, state, fleetText(state, char, noKey).actions as FleetAction[]);
		state = press(state, 'search-submit').state;
		const board = selectedHost(state)!.board;
		expect(board.search).toEqual({phase: 'active', pattern: 'line 0020', match: 19});
		expect(state.hosts[0]!.board.search.phase).toBe('off');
		state = press(state, 'select-next').state;
		expect(selectedHost(state)!.board.search.phase).toBe('off');
		state = press(state, 'select-previous', 'scroll-back').state;
		expect(selectedHost(state)!.board.follow).toBe(false);
	});

	it('q and ^C leave the view only: nothing is sent', () => {
		for (const command of ['leave', 'interrupt'] as const) {
			const left = press(connected(), command);
			expect(left.effects).toEqual([]);
			expect(left.state.ended).toEqual({code: 0, message: 'Left the fleet view of kickass: every host keeps running.'});
		}
	});
});

describe('fleet view: what a batch of events shows', () => {
	it('lines of the daemon on screen show, lines of any other daemon do not; anything else does', () => {
		const state = connected();
		const lines = (host: string, daemon: string): FleetEvent => ({type: 'supervisor', host, event: {type: 'log-lines', daemon, lines: ['a line']}});
		// Selected: host 1's first daemon.
		expect(eventsShown(state, [lines(hosts[0]!, 'keyspace')])).toBe(true);
		expect(eventsShown(state, [lines(hosts[0]!, 'ampnode'), lines(hosts[1]!, 'keyspace')])).toBe(false);
		expect(eventsShown(state, [lines(hosts[1]!, 'keyspace'), {type: 'supervisor', host: hosts[1]!, event: {type: 'daemon-state', daemon: {name: 'keyspace', state: 'crashed', restarts: 1}}}])).toBe(true);
		expect(eventsShown(state, [{type: 'usage', host: hosts[2]!, usage: {}}])).toBe(true);
		expect(eventsShown(state, [{type: 'host-link', host: hosts[2]!, link: 'unreachable'}])).toBe(true);
		const onHost2 = press(state, 'host-next').state;
		expect(eventsShown(onHost2, [lines(hosts[1]!, 'keyspace')])).toBe(true);
		expect(eventsShown(onHost2, [lines(hosts[0]!, 'keyspace')])).toBe(false);
	});
});
