import net from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {fromYaml, toYaml, type InstanceConfig} from '../../services/config/amprun.js';
import {findThisHost, placeConfig} from '../../services/config/placement.js';
import {remoteTargets} from '../../services/daemons/remote.js';
import type {RemoteDependency} from '../../services/supervisor/events.js';
import {describeRemoteChange, RemoteWatch} from '../../services/supervisor/remote-watch.js';
import {freePort} from '../helpers/ports.js';

const base = `instance_name: demo
title: Demo
user_name: Ada
user_email: ada@example.com
host_name: example.org
hub: embedded
amprun_root_directory: /var/lib/ampzero
user_id: 1
host_id: 2
redis_password: secret
frontend_port: 8040
http_port: 8041
keyspace_client_port: 8042
keyspace_peer_port: 8043
redis_live_port: 8044
redis_data_port: 8045
logstore_port: 8046
zerodata_port: 8047
ampnode_ports: [8048]
`;
const hosts = `hosts:
  - {name: alpha, address: 10.0.0.1, keyspace: 0, logstore: true, zerodata: true}
  - {name: beta, address: 10.0.0.2, keyspace: 1, server: true}
  - {name: gamma, address: 10.0.0.3, keyspace: 2, server: true}
`;
const config = (text = base + hosts): InstanceConfig => fromYaml(text, '/i/amprun.yaml');

describe('hosts: in amprun.yaml', () => {
	it('round-trips through toYaml and stays empty on a single machine', () => {
		expect(config(base).hosts).toEqual([]);
		const parsed = config();
		expect(fromYaml(toYaml(parsed), 'x').hosts).toEqual(parsed.hosts);
		expect(parsed.hosts[1]).toEqual({name: 'beta', address: '10.0.0.2', keyspace: 1, logstore: false, zerodata: false, server: true, frontend: true});
	});

	it('refuses what cannot work, naming file:line', () => {
		const line = base.split('\n').length;
		expect(() => config(base + hosts.replace('keyspace: 2', 'keyspace: 1'))).toThrow(`/i/amprun.yaml:${line}: hosts must give keyspace members 0, 1 and 2 to three different hosts (given: 0, 1, 1)`);
		expect(() => config(base + hosts.replace('10.0.0.3', '127.0.0.1'))).toThrow(/address 127\.0\.0\.1 is not reachable from other hosts/);
		expect(() => config(base + hosts.replace('10.0.0.3', 'gamma.example'))).toThrow(/address must be an IP address/);
		expect(() => config(base + hosts.replace('keyspace: 1, server: true', 'keyspace: 1, server: true, zerodata: true'))).toThrow(/beta is a server host/);
		expect(() => config(base + hosts.replace('logstore: true, ', ''))).toThrow(/exactly one host with logstore: true \(given: none\)/);
		expect(() => config(base + hosts.replace('name: gamma', 'name: beta'))).toThrow(/two hosts are named beta/);
	});

	it('finds this host by name or by address, and says how to choose when it cannot', () => {
		const {hosts: list} = config();
		expect(findThisHost(list, 'gamma', new Set()).name).toBe('gamma');
		expect(findThisHost(list, undefined, new Set(['127.0.0.1', '10.0.0.2'])).name).toBe('beta');
		expect(() => findThisHost(list, undefined, new Set(['127.0.0.1']))).toThrow(/none of the addresses .* --as NAME/);
		expect(() => findThisHost(list, 'delta', new Set())).toThrow(/--as delta: .*no host of that name/);
	});
});

describe('remote dependencies', () => {
	it('a server host relies on the other members and on alpha\'s zerodata and logstore, its own member first', () => {
		const placed = placeConfig(config(), '/i', 'beta');
		expect(placed.keyspaceEndpoints).toEqual(['https://10.0.0.2:8042', 'https://10.0.0.1:8042', 'https://10.0.0.3:8042']);
		expect(placed.zerodataUrl).toBe('https://10.0.0.1:8047');
		expect(placed.placement?.tls).toEqual({ca: '/i/tls/ca.cert', cert: '/i/tls/hosts/beta.cert', key: '/i/tls/hosts/beta.key'});
		expect(remoteTargets(placed, false).map(target => `${target.name} ${target.host}:${target.port}`)).toEqual([
			'keyspace-0 10.0.0.1:8042',
			'keyspace-2 10.0.0.3:8042',
			'zerodata 10.0.0.1:8047',
			'logstore 10.0.0.1:8046',
		]);
		expect(remoteTargets(placeConfig(config(), '/i', 'alpha'), false).map(target => target.name)).toEqual(['keyspace-1', 'keyspace-2']);
		expect(remoteTargets(config(base), false)).toEqual([]);
		expect(remoteTargets(config(base), true).map(target => target.url)).toEqual(['https://127.0.0.1:8042', 'http://127.0.0.1:8047', 'http://127.0.0.1:8046']);
	});
});

describe('RemoteWatch', () => {
	const servers: net.Server[] = [];
	let watch: RemoteWatch | undefined;
	afterEach(() => {
		watch?.stop();
		for (const server of servers.splice(0)) server.close();
	});

	const listen = (port: number): Promise<net.Server> =>
		new Promise(resolve => {
			const server = net.createServer(socket => socket.destroy()).listen(port, '127.0.0.1', () => resolve(server));
			servers.push(server);
		});

	it('reports each dependency becoming reachable and unreachable, and releases waiters once all answer', async () => {
		const [up, down] = [await freePort(), await freePort()];
		const upServer = await listen(up);
		const changes: RemoteDependency[][] = [];
		watch = new RemoteWatch(
			[
				{name: 'keyspace-0', url: `https://127.0.0.1:${up}`, host: '127.0.0.1', port: up},
				{name: 'zerodata', url: `https://127.0.0.1:${down}`, host: '127.0.0.1', port: down},
			],
			(_, changed) => changes.push(changed),
			{intervalMs: 50, timeoutMs: 500},
		);
		let released = false;
		const waiting = watch.whenAllReachable().then(() => (released = true));
		watch.start();
		while (changes.length === 0) await new Promise(resolve => setTimeout(resolve, 10));
		expect(changes[0]!.map(change => [change.name, change.reachable, change.error])).toEqual([
			['keyspace-0', true, undefined],
			['zerodata', false, 'connect ECONNREFUSED'],
		]);
		expect(describeRemoteChange(changes[0]![1]!)).toBe(`waiting for remote zerodata at https://127.0.0.1:${down}: unreachable (connect ECONNREFUSED)`);
		expect(watch.describeUnreachable()).toBe(`zerodata at https://127.0.0.1:${down} (connect ECONNREFUSED)`);
		expect(released).toBe(false);
		await listen(down);
		await waiting;
		expect(watch.allReachable()).toBe(true);
		expect(describeRemoteChange(changes.at(-1)![0]!)).toBe(`remote zerodata at https://127.0.0.1:${down} is reachable`);
		await new Promise<void>(resolve => upServer.close(() => resolve()));
		while (changes.at(-1)![0]!.name !== 'keyspace-0') await new Promise(resolve => setTimeout(resolve, 10));
		expect(changes.at(-1)![0]!.reachable).toBe(false);
	});

	it('stop releases a waiter, so a run stopped while waiting ends', async () => {
		const port = await freePort();
		watch = new RemoteWatch([{name: 'zerodata', url: `https://127.0.0.1:${port}`, host: '127.0.0.1', port}], () => {}, {intervalMs: 50});
		watch.start();
		const waiting = watch.whenAllReachable();
		watch.stop();
		await waiting;
		expect(watch.allReachable()).toBe(false);
	});
});
