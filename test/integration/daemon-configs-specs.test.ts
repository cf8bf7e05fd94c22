import {mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {builtinDaemons} from '../../services/daemons/builtin.js';
import {extraDaemons} from '../../services/daemons/extra.js';
import {findProgram} from '../../services/daemons/programs.js';
import {AmpError} from '../../services/errors.js';
import {checkoutDirectory, makeTestInstance, runAmpzero, type TestInstance} from '../helpers/instance.js';

describe('the daemon specs the supervisor runs', () => {
	let instance: TestInstance;

	beforeAll(async () => {
		instance = await makeTestInstance({name: 'specs', ampnodes: 3});
	});

	afterAll(async () => {
		await instance?.cleanup();
	});

	test('a single machine runs every daemon, each after what it depends on', () => {
		const specs = builtinDaemons(instance.config, instance.directory, {server: false, debug: false});
		expect(specs.map(spec => spec.name)).toEqual(['keyspace', 'redis-live', 'redis-data', 'logstore', 'zerodata', 'ampnode', 'ampnode-2', 'ampnode-3', 'nginx']);
		const position = new Map(specs.map((spec, index) => [spec.name, index]));
		for (const spec of specs) for (const dependency of spec.dependsOn) expect(position.get(dependency)).toBeLessThan(position.get(spec.name)!);
		const nginx = specs.find(spec => spec.name === 'nginx')!;
		expect(nginx.dependsOn).toEqual(['ampnode', 'ampnode-2', 'ampnode-3']);
		expect(nginx.stopSignal).toBe('SIGQUIT');
		expect(nginx.ports).toEqual([instance.config.ports.frontend, instance.config.ports.http]);
		const ampnodes = specs.filter(spec => spec.name.startsWith('ampnode'));
		expect(ampnodes.map(spec => spec.args.slice(-2))).toEqual(instance.config.ports.ampnode.map(port => ['--port', String(port)]));
		// The build's one-file bundle of the daemon (npm run build makes it before the tests run).
		expect(ampnodes[0]!.args.slice(0, 2)).toEqual([path.join(checkoutDirectory, 'dist', 'source', 'daemons', 'ampnode.bundle.js'), instance.directory]);
		const redisData = specs.find(spec => spec.name === 'redis-data')!;
		expect(redisData.args[redisData.args.indexOf('--appendonly') + 1]).toBe('yes');
		expect(redisData.ready).toEqual({kind: 'redis', host: instance.config.bindAddress, port: instance.config.ports.redisData, password: instance.config.redisPassword});
	});

	test('--server runs only redis, the ampnodes and nginx; --debug reaches the daemons', () => {
		const specs = builtinDaemons(instance.config, instance.directory, {server: true, debug: true});
		expect(specs.map(spec => spec.name)).toEqual(['redis-live', 'redis-data', 'ampnode', 'ampnode-2', 'ampnode-3', 'nginx']);
		expect(specs.find(spec => spec.name === 'ampnode')!.dependsOn).toEqual(['redis-live', 'redis-data']);
		expect(specs.find(spec => spec.name === 'ampnode')!.args).toContain('--debug');
	});

	test('extra daemons from amprun.yaml run through the shell with their readiness checks', () => {
		const config = {
			...instance.config,
			daemons: [
				{name: 'worker', command: 'node worker.js --fast', ready: {tcp: 9100}, dependsOn: ['redis-live']},
				{name: 'poller', command: 'sleep 100', ready: {log: 'polling'}, dependsOn: []},
				{name: 'web', command: 'python3 -m http.server', ready: {http: 'http://127.0.0.1:9200/'}, dependsOn: []},
				{name: 'plain', command: 'true', dependsOn: []},
			],
		};
		const specs = extraDaemons(config, instance.directory);
		expect(specs[0]).toMatchObject({command: '/bin/sh', args: ['-c', 'node worker.js --fast'], cwd: instance.directory, ports: [9100], dependsOn: ['redis-live'], ready: {kind: 'tcp', host: config.bindAddress, port: 9100}});
		expect(specs.map(spec => spec.ready)).toEqual([
			{kind: 'tcp', host: config.bindAddress, port: 9100},
			{kind: 'log', pattern: 'polling'},
			{kind: 'http', url: 'http://127.0.0.1:9200/'},
			{kind: 'none'},
		]);
	});

	test('a program that is not installed is named with the package to install', async () => {
		const empty = await mkdtemp(path.join(os.tmpdir(), 'no-programs-'));
		try {
			expect(() => findProgram('etcd', [empty])).toThrow(AmpError);
			expect(() => findProgram('etcd', [empty])).toThrow('etcd is not installed: install it with `sudo apt-get install -y etcd-server`');
			expect(() => findProgram('nginx', [empty])).toThrow('apt-get install -y nginx');
			expect(findProgram('nginx')).toBe('/usr/sbin/nginx');
		} finally {
			await rm(empty, {recursive: true, force: true});
		}
	});

	test('`ampzero daemon` refuses an unknown daemon and a port that is not the instance\'s', async () => {
		const unknown = await runAmpzero(['daemon', 'etcd', instance.directory], {home: instance.home});
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain('unknown daemon "etcd": choose one of logstore, zerodata, ampnode');
		const wrongPort = await runAmpzero(['daemon', 'ampnode', instance.directory, '--port', '1'], {home: instance.home});
		expect(wrongPort.code).toBe(2);
		expect(wrongPort.stderr).toContain('--port 1 is not one of ampnode_ports');
	});
});
