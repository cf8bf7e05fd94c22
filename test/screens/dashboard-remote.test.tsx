import {afterEach, describe, expect, it} from 'vitest';
import {renderAt} from './ui.js';
import {Dashboard} from '../../screens/dashboard/Dashboard.js';
import type {RemoteDependency} from '../../services/supervisor/events.js';
import {daemonsIn, fixedClock, logOf, MemoryConnection, runInfo, waitFor} from './dashboard-fixtures.js';

const mounted: Array<() => void> = [];
afterEach(() => {
	for (const unmount of mounted.splice(0)) unmount();
});

const remote = (reachable: boolean | null): RemoteDependency[] => [
	{name: 'keyspace-0', url: 'https://10.0.0.1:8042', host: '10.0.0.1', port: 8042, reachable: true},
	{name: 'zerodata', url: 'https://10.0.0.1:8047', host: '10.0.0.1', port: 8047, reachable, ...(reachable === false ? {error: 'connect ECONNREFUSED'} : {})},
];

describe('dashboard daemon list: remote dependencies', () => {
	it('lists each remote dependency under the local daemons with its reachability, as it changes', async () => {
		const connection = new MemoryConnection();
		const app = await renderAt(<Dashboard connection={connection} ownsSupervisor={false} onEnd={() => {}} clock={fixedClock} color={false} frameMs={5} />, {columns: 110, rows: 30});
		mounted.push(app.unmount);
		const frame = (): string => app.lastFrame() ?? '';
		const until = (pattern: RegExp): Promise<void> => waitFor(() => pattern.test(frame()), `${pattern} on screen:\n${frame()}`);
		connection.push({type: 'snapshot', info: {...runInfo, remote: remote(null)}, daemons: daemonsIn('ready'), logs: {keyspace: logOf('keyspace', 3)}});
		await until(/remote/);
		await until(/… zerodata\s+checking https:\/\/10\.0\.0\.1:8047/);
		expect(frame()).toMatch(/● keyspace-0\s+reachable https:\/\/10\.0\.0\.1:8042/);
		connection.push({type: 'remote-state', remote: remote(false)});
		await until(/✗ zerodata\s+unreachable/);
		connection.push({type: 'remote-state', remote: remote(true)});
		await until(/● zerodata\s+reachable/);
	});

	it('shows no remote section on a single machine', async () => {
		const connection = new MemoryConnection();
		const app = await renderAt(<Dashboard connection={connection} ownsSupervisor={false} onEnd={() => {}} clock={fixedClock} color={false} frameMs={5} />, {columns: 110, rows: 30});
		mounted.push(app.unmount);
		connection.push({type: 'snapshot', info: runInfo, daemons: daemonsIn('ready'), logs: {keyspace: logOf('keyspace', 3)}});
		await waitFor(() => (app.lastFrame() ?? '').includes('keyspace'), 'the daemon list');
		expect(app.lastFrame()).not.toMatch(/\bremote\b/);
	});
});
