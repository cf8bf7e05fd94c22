import {afterAll, describe, expect, it} from 'vitest';
import {colorWanted} from '../../screens/runtime/colour.js';
import {daemonsIn, etcdLog, fixedClock, MemoryConnection, runInfo, waitFor} from './dashboard-fixtures.js';

// Colour output is decided when chalk loads: force it before Ink is imported, so the difference NO_COLOR makes shows.
const previous = process.env['FORCE_COLOR'];
process.env['FORCE_COLOR'] = '1';
const {renderAt} = await import('./ui.js');
const {Dashboard} = await import('../../screens/dashboard/Dashboard.js');
afterAll(() => {
	if (previous === undefined) delete process.env['FORCE_COLOR'];
	else process.env['FORCE_COLOR'] = previous;
});

const ansiColor = /\u001B\[(?:3[0-7]|9[0-7])m/;
const anyEscape = /\u001B\[[0-9;]*m/g;

async function screenWith(color: boolean): Promise<string> {
	const connection = new MemoryConnection();
	const app = await renderAt(<Dashboard connection={connection} ownsSupervisor={false} onEnd={() => {}} clock={fixedClock} color={color} frameMs={5} />);
	const daemons = daemonsIn('ready');
	daemons[1] = {...daemons[1]!, state: 'crashed', pid: undefined, startedAt: undefined, restarts: 3};
	daemons[2] = {...daemons[2]!, state: 'failed', pid: undefined, startedAt: undefined};
	daemons[3] = {...daemons[3]!, state: 'starting'};
	daemons[4] = {...daemons[4]!, state: 'stopping'};
	daemons[5] = {...daemons[5]!, state: 'stopped', pid: undefined, startedAt: undefined};
	daemons[6] = {...daemons[6]!, state: 'pending', pid: undefined, startedAt: undefined};
	connection.push({type: 'snapshot', info: runInfo, daemons, logs: {keyspace: etcdLog()}});
	await waitFor(() => (app.lastFrame() ?? '').includes('pending'), 'the daemon list');
	const frame = app.lastFrame() ?? '';
	app.unmount();
	return frame;
}

describe('dashboard colours', () => {
	it('NO_COLOR (present and not empty) turns colour off', () => {
		expect(colorWanted({NO_COLOR: '1'})).toBe(false);
		expect(colorWanted({NO_COLOR: ''})).toBe(true);
		expect(colorWanted({})).toBe(true);
		expect(colorWanted({FORCE_COLOR: '0'})).toBe(false);
	});

	it('with colour, states are coloured; with NO_COLOR, no colour but every state keeps its own symbol', async () => {
		const colored = await screenWith(true);
		expect(colored).toMatch(ansiColor);
		const plain = await screenWith(colorWanted({NO_COLOR: '1'}));
		expect(plain).not.toMatch(ansiColor);
		const rows = plain.replace(anyEscape, '').split('\n');
		const symbolOf = (name: string): string | undefined => rows.find(row => row.includes(` ${name} `))?.match(/^│[› ] (\S) /)?.[1];
		const symbols = ['keyspace', 'redis-live', 'redis-data', 'logstore', 'zerodata', 'ampnode', 'nginx'].map(symbolOf);
		expect(symbols).toEqual(['✓', '!', '✗', '↑', '↓', '■', '·']);
		expect(plain.replace(anyEscape, '')).toMatchSnapshot();
	});

	it('colours the level of a formatted log line (red error, yellow warning), plain under NO_COLOR', async () => {
		const colored = await screenWith(true);
		expect(colored).toMatch(/\u001B\[33mWARN\u001B\[39m/);
		expect(colored).toMatch(/\u001B\[31m(?:\u001B\[1m)?ERROR/);
		const plain = await screenWith(false);
		expect(plain).toContain('WARN  slow fdatasync');
		expect(plain).not.toMatch(/\u001B\[3[13]m/);
	});
});
