import {afterEach, describe, expect, it} from 'vitest';
import {renderAt} from './ui.js';
import {Dashboard} from '../../screens/dashboard/Dashboard.js';
import {daemonsIn, fixedClock, logOf, MemoryConnection, runInfo, waitFor} from './dashboard-fixtures.js';

const mounted: Array<() => void> = [];
afterEach(() => {
	for (const unmount of mounted.splice(0)) unmount();
});

describe('dashboard header: the NAT mapping', () => {
	it('shows the external address once mapped, then the state as it changes', async () => {
		const connection = new MemoryConnection();
		const app = await renderAt(<Dashboard connection={connection} ownsSupervisor={false} onEnd={() => {}} clock={fixedClock} color={false} frameMs={5} />, {columns: 100, rows: 24});
		mounted.push(app.unmount);
		const frame = (): string => app.lastFrame() ?? '';
		const until = (text: string): Promise<void> => waitFor(() => frame().includes(text), `“${text}” on screen:\n${frame()}`);
		connection.push({type: 'snapshot', info: {...runInfo, nat: {state: 'searching'}}, daemons: daemonsIn('ready'), logs: {keyspace: logOf('keyspace', 3)}});
		await until('NAT searching…');
		connection.push({type: 'nat-state', nat: {state: 'mapped', externalIp: '203.0.113.9', port: 8040, via: 'UPnP'}});
		await until('NAT 203.0.113.9:8040');
		expect(frame().split('\n')[0]).toContain('NAT 203.0.113.9:8040');
		connection.push({type: 'nat-state', nat: {state: 'lost', externalIp: '203.0.113.9', port: 8040, reason: 'timeout'}});
		await until('NAT lost');
	});
});
