import {mkdirSync, readFileSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {builtinDaemons} from '../../services/daemons/builtin.js';
import {extraDaemons} from '../../services/daemons/extra.js';
import {findProgram} from '../../services/daemons/programs.js';
import {instanceNginxConfig, runNginxConfig, writeRunNginxConfig} from '../../services/daemons/nginx-run-config.js';
import {runPaths} from '../../services/config/paths.js';
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

	test('nginx runs a copy of the instance\'s config whose upstream names the ports the ampnodes run on', () => {
		const [first, second, third] = instance.config.ports.ampnode as [number, number, number];
		const bind = instance.config.bindAddress;
		mkdirSync(runPaths(instance.config).nginxPrefix, {recursive: true});
		// During a deploy's hand-over the new ampnodes run on ports of their own; one may be another's configured port.
		const ports = [second, first, 40123];
		const specs = builtinDaemons(instance.config, instance.directory, {server: false, debug: false, ampnodePorts: ports});
		expect(specs.filter(spec => spec.name.startsWith('ampnode')).map(spec => spec.port)).toEqual(ports);
		const nginx = specs.find(spec => spec.name === 'nginx')!;
		expect(nginx.args[nginx.args.indexOf('-c') + 1]).toBe(runNginxConfig(instance.config));
		expect(writeRunNginxConfig(instance.config, instance.directory, ports)).toBe(true);
		expect(writeRunNginxConfig(instance.config, instance.directory, ports)).toBe(false);
		const own = readFileSync(instanceNginxConfig(instance.config, instance.directory), 'utf8');
		const copy = readFileSync(runNginxConfig(instance.config), 'utf8');
		const servers = (text: string): string[] => [...text.matchAll(/^\s*server (\S+) max_fails/gm)].map(match => match[1]!);
		expect(servers(own)).toEqual([`${bind}:${first}`, `${bind}:${second}`, `${bind}:${third}`]);
		expect(servers(copy)).toEqual([`${bind}:${second}`, `${bind}:${first}`, `${bind}:40123`]);
		// Nothing else differs.
		expect(copy.replace(/^\s*server \S+ max_fails.*$/gm, '')).toBe(own.replace(/^\s*server \S+ max_fails.*$/gm, ''));
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

	test('`ampzero daemon` refuses an unknown daemon and a port that is no port', async () => {
		const unknown = await runAmpzero(['daemon', 'etcd', instance.directory], {home: instance.home});
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain('unknown daemon "etcd": choose one of logstore, zerodata, ampnode');
		const wrongPort = await runAmpzero(['daemon', 'ampnode', instance.directory, '--port', '70000'], {home: instance.home});
		expect(wrongPort.code).toBe(2);
		expect(wrongPort.stderr).toContain('--port must be a port from 1 to 65535, not "70000"');
	});
});
