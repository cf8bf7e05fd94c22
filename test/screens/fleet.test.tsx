import {afterEach, describe, expect, it} from 'vitest';
import {Fleet} from '../../screens/fleet/Fleet.js';
import type {FleetState} from '../../screens/fleet/fleet-reducer.js';
import {fixedClock, keys, waitFor} from './dashboard-fixtures.js';
import {hostLabels, hostUp, MemoryFleet} from './fleet-fixtures.js';
import {renderAt, screenText} from './ui.js';

const mounted: Array<() => void> = [];
afterEach(() => {
	for (const unmount of mounted.splice(0)) unmount();
});

async function mount(hosts: string[], size: {columns: number; rows: number}) {
	const source = new MemoryFleet();
	const endings: Array<NonNullable<FleetState['ended']>> = [];
	const app = await renderAt(<Fleet instance="kickass" hosts={hosts} source={source} onEnd={ended => endings.push(ended)} clock={fixedClock} color={false} frameMs={5} />, size);
	mounted.push(app.unmount);
	const frame = (): string => screenText(app);
	const until = (text: string | RegExp): Promise<void> => waitFor(() => (typeof text === 'string' ? frame().includes(text) : text.test(frame())), `${String(text)} on screen:\n${frame()}`);
	const type = async (input: string, expected: string | RegExp): Promise<void> => {
		app.stdin.write(input);
		await until(expected);
	};
	return {source, endings, frame, until, type, app};
}

/** Every row of the frame fits the width it claims, and there are no more rows than it claims. */
function fitsIn(frame: string, columns: number, rows: number): void {
	const lines = frame.split('\n');
	expect(lines.length).toBeLessThanOrEqual(rows);
	for (const line of lines) expect([...line].length).toBeLessThanOrEqual(columns);
}

describe('fleet view screen', () => {
	it('three hosts at 80×24: hosts and daemons, the selected log, the release header', async () => {
		const hosts = hostLabels(3);
		const {source, frame, until} = await mount(hosts, {columns: 80, rows: 24});
		source.push(...hosts.flatMap((host, index) => hostUp(host, index)));
		await until('✓ all 21 ready');
		fitsIn(frame(), 80, 24);
		expect(frame()).toMatchSnapshot();
	});

	it('three hosts at 80×24: host 2 selected, one daemon stopped there, host 3 unreachable', async () => {
		const hosts = hostLabels(3);
		const {source, frame, until, type} = await mount(hosts, {columns: 80, rows: 24});
		source.push(...hosts.flatMap((host, index) => hostUp(host, index)));
		await until('✓ all 21 ready');
		await type('\t', `keyspace@${hosts[1]} line`);
		await type('jjjjj', 'ampnode · pid');
		await type('s', `Stopping ampnode on ${hosts[1]}…`);
		expect(source.sent).toEqual([{host: hosts[1], command: {type: 'stop', daemon: 'ampnode'}}]);
		source.push(
			{type: 'supervisor', host: hosts[1]!, event: {type: 'daemon-state', daemon: {name: 'ampnode', state: 'stopped', restarts: 0, port: 8041}}},
			{type: 'host-link', host: hosts[2]!, link: 'unreachable', error: 'connect ECONNREFUSED 10.200.0.4:22', retryInMs: 4000},
		);
		await until('1 unreachable');
		await until(/ampnode\s+stopped/);
		fitsIn(frame(), 80, 24);
		expect(frame()).toMatchSnapshot();
	});

	it('30 hosts at 80×24: the list scrolls to keep the selected host in view', async () => {
		const hosts = hostLabels(30);
		const {source, frame, until, type} = await mount(hosts, {columns: 80, rows: 24});
		source.push(...hosts.flatMap((host, index) => hostUp(host, index)));
		await until('30/30 hosts connected');
		await until('✓ all 210 ready');
		for (let host = 1; host < 20; host++) await type('\t', `keyspace@${hosts[host]} line`);
		await type('jj', 'redis-data · pid');
		expect(frame()).toMatch(/›\s+✓ redis-data/);
		expect(frame()).toContain(`● ${hosts[19]}`);
		expect(frame()).not.toContain(`● ${hosts[0]}\n`);
		fitsIn(frame(), 80, 24);
		expect(frame()).toMatchSnapshot();
	});

	it('30 hosts at 120×40: CPU and memory as each host samples them', async () => {
		const hosts = hostLabels(30);
		const {source, frame, until} = await mount(hosts, {columns: 120, rows: 40});
		source.push(...hosts.flatMap((host, index) => hostUp(host, index)));
		await until('✓ all 210 ready');
		await until('64.0M');
		fitsIn(frame(), 120, 40);
		expect(frame()).toMatchSnapshot();
	});

	it('lines of a daemon not on screen draw no frame, and are all there once it is selected', async () => {
		const hosts = hostLabels(3);
		const {source, frame, until, type, app} = await mount(hosts, {columns: 80, rows: 24});
		source.push(...hosts.flatMap((host, index) => hostUp(host, index)));
		await until('✓ all 21 ready');
		await until('keyspace@10.200.0.2 line 0030');
		const lines = (from: number): string[] => Array.from({length: 400}, (_, n) => `flood@${hosts[1]} ${String(from + n).padStart(5, '0')}`);
		const framesBefore = app.frames.length;
		for (let batch = 0; batch < 5; batch++) source.push({type: 'supervisor', host: hosts[1]!, event: {type: 'log-lines', daemon: 'ampnode', lines: lines(batch * 400)}});
		await new Promise(resolve => setTimeout(resolve, 200));
		expect(app.frames.length).toBe(framesBefore);
		expect(frame()).toContain('keyspace@10.200.0.2 line 0030');
		await type('\t', `keyspace@${hosts[1]} line`);
		await type('jjjjj', 'ampnode · pid');
		await until(`flood@${hosts[1]} 01999`);
		// The view did not fall behind: lines of the daemon on screen draw at once.
		source.push({type: 'supervisor', host: hosts[1]!, event: {type: 'log-lines', daemon: 'ampnode', lines: lines(2000).slice(0, 1)}});
		await until(`flood@${hosts[1]} 02000`);
	});

	it('S asks before stopping anything, and the help lists the keys at 80×24', async () => {
		const hosts = hostLabels(3);
		const {source, frame, until, type, endings} = await mount(hosts, {columns: 80, rows: 24});
		source.push(...hosts.flatMap((host, index) => hostUp(host, index)));
		await until('✓ all 21 ready');
		await type('S', 'of all 3 hosts (a)');
		expect(source.sent).toEqual([]);
		expect(frame()).toMatchSnapshot();
		await type(keys.escape, 'keyspace@10.200.0.2 line');
		await type('?', 'Keys of the fleet view');
		fitsIn(frame(), 80, 24);
		expect(frame()).toMatchSnapshot();
		await type('?', 'keyspace@10.200.0.2 line');
		await type('q', 'keyspace');
		await waitFor(() => endings.length === 1, 'the view to end');
		expect(endings[0]).toEqual({code: 0, message: 'Left the fleet view of kickass: every host keeps running.'});
		expect(source.sent).toEqual([]);
		expect(source.closed).toBe(true);
	});
});
