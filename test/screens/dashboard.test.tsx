import {afterEach, describe, expect, it} from 'vitest';
import {Dashboard} from '../../screens/dashboard/Dashboard.js';
import type {UsageSource} from '../../screens/dashboard/use-daemon-usage.js';
import type {DashboardState} from '../../screens/dashboard/dashboard-reducer.js';
import {renderAt} from './ui.js';
import {daemonsIn, etcdLog, fixedClock, keys, logOf, MemoryConnection, runInfo, waitFor} from './dashboard-fixtures.js';

const mounted: Array<() => void> = [];
afterEach(() => {
	for (const unmount of mounted.splice(0)) unmount();
});

/** CPU and memory figures as /proc would give them, the same on every sample. */
const fixedUsage: UsageSource = {
	sample: groups => new Map([...groups.keys()].map((name, index) => [name, {cpuPercent: index * 3.7, rssBytes: (index + 1) * 9.6 * 1024 * 1024}])),
};

async function mount(options: {columns?: number; rows?: number; ownsSupervisor?: boolean; color?: boolean} = {}) {
	const connection = new MemoryConnection();
	const endings: Array<NonNullable<DashboardState['ended']>> = [];
	const app = await renderAt(
		<Dashboard
			connection={connection}
			ownsSupervisor={options.ownsSupervisor ?? false}
			onEnd={ended => endings.push(ended)}
			clock={fixedClock}
			color={options.color ?? true}
			frameMs={5}
			usageSource={fixedUsage}
		/>,
		{columns: options.columns ?? 80, rows: options.rows ?? 24},
	);
	mounted.push(app.unmount);
	const frame = (): string => app.lastFrame() ?? '';
	const until = (text: string): Promise<void> => waitFor(() => frame().includes(text), `“${text}” on screen:\n${frame()}`);
	const type = async (input: string, expect: string): Promise<void> => {
		app.stdin.write(input);
		await until(expect);
	};
	return {connection, endings, frame, until, type, app};
}

function allReady(connection: MemoryConnection, logLines = 60): void {
	connection.push(
		{type: 'snapshot', info: runInfo, daemons: daemonsIn('ready'), logs: {keyspace: logOf('keyspace', logLines), ampnode: logOf('ampnode', 5)}},
		{type: 'run-ready', elapsedMs: 2140},
	);
}

describe('dashboard screen', () => {
	it('while starting: daemons pending and starting, no output yet', async () => {
		const {connection, frame, until} = await mount();
		const daemons = daemonsIn('pending');
		daemons[0] = {...daemons[0]!, state: 'starting', pid: 31000, startedAt: fixedClock.now() - 2000};
		connection.push({type: 'snapshot', info: runInfo, daemons, logs: {}});
		await until('0/7 ready');
		expect(frame()).toMatchSnapshot();
	});

	it('all ready, at 80×24', async () => {
		const {connection, frame, until} = await mount();
		allReady(connection);
		await until('all 7 ready');
		const lines = frame().split('\n');
		expect(lines.length).toBe(24);
		expect(Math.max(...lines.map(line => line.length))).toBeLessThanOrEqual(80);
		expect(frame()).toContain('keyspace line 0060');
		expect(frame()).toMatchSnapshot();
	});

	it('all ready on a wide terminal shows pid and restarts columns', async () => {
		const {connection, frame, until} = await mount({columns: 100, rows: 30});
		allReady(connection);
		await until('all 7 ready');
		expect(frame()).toContain('31000');
		expect(frame()).toMatchSnapshot();
	});

	it('one crashed and one failed, with the reason in the log title', async () => {
		const {connection, frame, until, type, app} = await mount();
		allReady(connection);
		await until('all 7 ready');
		connection.push(
			{type: 'daemon-state', daemon: {name: 'zerodata', state: 'crashed', restarts: 2, port: 8030, reason: 'exited with code 1'}},
			{type: 'daemon-state', daemon: {name: 'logstore', state: 'failed', restarts: 5, port: 8020, reason: 'crashed 5 times in 60 s'}},
		);
		await until('failed');
		for (let i = 0; i < 3; i++) app.stdin.write(keys.down);
		await until('logstore · no pid');
		await type('j', 'zerodata · no pid');
		expect(frame()).toMatchSnapshot();
	});

	it('log scrolled back with PgUp, held while lines arrive, End follows again', async () => {
		const {connection, frame, until, type, app} = await mount();
		allReady(connection);
		await until('all 7 ready');
		await type(keys.pageUp, 'scrolled back: lines 30–45 of 60');
		connection.push({type: 'log-lines', daemon: 'keyspace', lines: ['a new line at the tail']});
		await until('lines 30–45 of 61');
		expect(frame()).not.toContain('a new line at the tail');
		expect(frame()).toMatchSnapshot();
		app.stdin.write(keys.end);
		await until('a new line at the tail');
		expect(frame()).not.toContain('scrolled back');
	});

	it('search active: the match highlighted, n moves to an older one', async () => {
		const {frame, until, type, connection} = await mount();
		allReady(connection);
		await until('all 7 ready');
		await type('/', 'Enter finds');
		await type('line 002', '/line 002');
		await type(keys.enter, 'match on line 29');
		expect(frame()).toMatchSnapshot();
		await type('n', 'match on line 28');
		await type(keys.escape, 'scrolled back');
		expect(frame()).not.toContain('search “');
	});

	it('Q asks to confirm in a list that starts at cancel; n or Enter cancels, y or ↓ Enter sends quit-all', async () => {
		const {frame, until, type, connection} = await mount();
		allReady(connection);
		await until('all 7 ready');
		await type('Q', 'Force-quit every daemon');
		expect(frame()).toMatchSnapshot();
		expect(frame()).toContain('❯ n/Esc  cancel');
		await type('n', 'stop all');
		await type('Q', 'Force-quit every daemon');
		await type(keys.enter, 'stop all');
		expect(connection.sent).toEqual([]);
		await type('Q', 'Force-quit every daemon');
		await type(keys.down, '❯ y      yes: force-quit every daemon');
		await type(keys.enter, 'force-quitting');
		await waitFor(() => connection.sent.length === 1, 'the command to be sent');
		expect(connection.sent).toEqual([{type: 'quit-all'}]);
		connection.sent.length = 0;
		await type('Q', 'Force-quit every daemon');
		await type('y', 'force-quitting');
		await waitFor(() => connection.sent.length === 1, 'the command to be sent');
		expect(connection.sent).toEqual([{type: 'quit-all'}]);
	});

	it('q asks stop or detach; d detaches and ends with code 0 and a way back', async () => {
		const {frame, until, type, connection, endings} = await mount();
		allReady(connection);
		await until('all 7 ready');
		await type('q', 'detach, it keeps running');
		expect(frame()).toMatchSnapshot();
		await type('d', 'Leave');
		await waitFor(() => endings.length === 1, 'the dashboard to end');
		expect(endings[0]).toEqual({code: 0, detached: true, message: 'Detached from kickass: its daemons keep running. Re-attach with: ampzero run /srv/ampzero/kickass'});
		expect(connection.closed).toBe(true);
		expect(connection.sent).toEqual([]);
	});

	it('the leave question is a list: ↓ chooses detach, ↑ goes back, Enter gives the chosen answer', async () => {
		const {frame, until, type, app, connection, endings} = await mount();
		allReady(connection);
		await until('all 7 ready');
		await type('q', '❯ s      stop everything');
		await type(keys.down, '❯ d      detach');
		await type(keys.up, '❯ s      stop everything');
		await type(keys.down, '❯ d      detach');
		expect(frame()).toMatch(/^.* {3}s {6}stop everything/m);
		app.stdin.write('\r');
		await waitFor(() => endings.length === 1, 'the dashboard to end');
		expect(endings[0]?.detached).toBe(true);
		expect(connection.sent).toEqual([]);
	});

	it('the leave question: Enter at once stops everything, as s does', async () => {
		const {until, type, app, connection} = await mount();
		allReady(connection);
		await until('all 7 ready');
		await type('q', '❯ s      stop everything');
		app.stdin.write('\r');
		await waitFor(() => connection.sent.length === 1, 'a command to the supervisor');
		expect(connection.sent).toEqual([{type: 'stop-all'}]);
	});

	it('JSON log lines formatted as time level message key=value, v shows them raw, search looks at what is shown', async () => {
		const {connection, frame, until, type} = await mount({columns: 118, rows: 24});
		connection.push({type: 'snapshot', info: runInfo, daemons: daemonsIn('ready'), logs: {keyspace: etcdLog()}}, {type: 'run-ready', elapsedMs: 2140});
		await until('12:00:03.125 WARN  slow fdatasync');
		expect(frame()).toContain('12:00:04.125 ERROR failed to reach the peer peer="a b" caller=');
		expect(frame()).toMatchSnapshot('formatted');
		await type('v', '"level":"warn"');
		expect(frame()).toContain('keyspace · pid 31000 · :2379 · ↻ 0 · raw');
		expect(frame()).toMatchSnapshot('raw');
		await type('v', '12:00:01.125 INFO  starting an etcd server');
		await type('/', 'Enter finds');
		await type('ERROR', '/ERROR');
		await type(keys.enter, 'match on line 4');
	});

	it('CPU and memory of each daemon in the list when the terminal is wide enough (140 columns)', async () => {
		const {connection, frame, until} = await mount({columns: 140, rows: 24});
		const daemons = daemonsIn('ready');
		daemons[6] = {...daemons[6]!, state: 'stopped', pid: undefined, startedAt: undefined};
		connection.push({type: 'snapshot', info: runInfo, daemons, logs: {keyspace: logOf('keyspace', 30)}});
		await until('cpu    mem');
		await until('18.5%  57.6M');
		expect(frame()).toMatchSnapshot();
		const narrow = await mount({columns: 100, rows: 24});
		narrow.connection.push({type: 'snapshot', info: runInfo, daemons, logs: {}});
		await narrow.until('nginx');
		expect(narrow.frame()).not.toContain('cpu');
	});

	it('help overlay from the bindings table fits 80×24', async () => {
		const {frame, until, type, connection} = await mount();
		allReady(connection);
		await until('all 7 ready');
		await type('?', 'Keys of the dashboard');
		const lines = frame().split('\n');
		expect(lines.length).toBe(24);
		for (const words of ['force-quit all', 'detach', 'PgUp', 'PgDn', 'search: the log', 'End', 'Esc/q/? close the help']) expect(frame()).toContain(words);
		expect(frame()).toMatchSnapshot();
		await type(keys.escape, 'keyspace line 0060');
	});

	it('s stops and r restarts the selected daemon; S stops all', async () => {
		const {until, type, connection} = await mount();
		allReady(connection);
		await until('all 7 ready');
		await type('j', 'redis-live · pid');
		await type('s', 'Stopping redis-live');
		await type('r', 'Restarting redis-live');
		await type('S', 'Stopping every daemon of kickass');
		await waitFor(() => connection.sent.length === 3, 'the commands to be sent');
		expect(connection.sent).toEqual([{type: 'stop', daemon: 'redis-live'}, {type: 'restart', daemon: 'redis-live'}, {type: 'stop-all'}]);
	});

	it('exits with a message when the supervisor exits, or when the link drops', async () => {
		const first = await mount();
		allReady(first.connection);
		await first.until('all 7 ready');
		first.connection.push({type: 'supervisor-exit', reason: 'stopped'});
		await waitFor(() => first.endings.length === 1, 'the dashboard to end');
		expect(first.endings[0]).toEqual({code: 0, message: 'Every daemon of kickass has stopped.'});

		const second = await mount();
		allReady(second.connection);
		await second.until('all 7 ready');
		second.connection.drop();
		await waitFor(() => second.endings.length === 1, 'the dashboard to end');
		expect(second.endings[0]?.code).toBe(1);
		expect(second.endings[0]?.message).toContain('Lost the connection to the supervisor of kickass');
	});

	it('with --no-daemon, ^C stops everything and a second ^C forces', async () => {
		const {until, type, connection, frame} = await mount({ownsSupervisor: true});
		allReady(connection);
		await until('all 7 ready');
		expect(frame()).not.toContain('d detach');
		await type('q', 'stop every daemon of kickass (s), or cancel (n/Esc)?');
		expect(frame()).toMatchSnapshot();
		await type('n', 'q leave');
		await type(keys.ctrlC, '^C again to force-quit');
		await type(keys.ctrlC, 'Force-quitting');
		await waitFor(() => connection.sent.length === 2, 'the commands to be sent');
		expect(connection.sent).toEqual([{type: 'stop-all'}, {type: 'quit-all'}]);
	});
});
