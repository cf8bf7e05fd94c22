import {execFile} from 'node:child_process';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import yaml from 'js-yaml';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {localKeyspaceTlsFiles} from '../../services/config/keyspace-tls.js';
import {runPaths} from '../../services/config/paths.js';
import {builtinDaemons} from '../../services/daemons/builtin.js';
import {writeRunNginxConfig} from '../../services/daemons/nginx-run-config.js';
import {prepareRunDirectories} from '../../services/daemons/prepare.js';
import {startSpecs, redisCommand, type RunningDaemons} from '../helpers/daemons.js';
import {makeTestInstance, type TestInstance} from '../helpers/instance.js';

const run = promisify(execFile);

describe('the config files init writes start their real programs', () => {
	let instance: TestInstance;
	let daemons: RunningDaemons | undefined;

	beforeAll(async () => {
		instance = await makeTestInstance({name: 'configs'});
		await prepareRunDirectories(instance.config);
		const specs = builtinDaemons(instance.config, instance.directory, {server: false, debug: false});
		daemons = await startSpecs(specs.filter(spec => ['keyspace', 'redis-live', 'redis-data'].includes(spec.name)), {});
	});

	afterAll(async () => {
		await daemons?.stopAll();
		await instance?.cleanup();
	});

	test('nginx -t accepts nginx.conf, as `run` copies it into the run directory, with the prefix the supervisor uses', async () => {
		const nginx = builtinDaemons(instance.config, instance.directory, {server: false, debug: false}).find(spec => spec.name === 'nginx');
		expect(nginx?.args.slice(0, 2)).toEqual(['-p', `${runPaths(instance.config).nginxPrefix}/`]);
		writeRunNginxConfig(instance.config, instance.directory, instance.config.ports.ampnode);
		const {stderr} = await run(nginx!.command, [...nginx!.args, '-t']);
		expect(stderr).toContain('test is successful');
	});

	test('both redis servers answer PING only with the password, on loopback and on their Unix sockets', async () => {
		const {config} = instance;
		expect(await redisCommand('127.0.0.1', config.ports.redisLive, config.redisPassword, 'PING')).toBe('+PONG');
		expect(await redisCommand('127.0.0.1', config.ports.redisData, config.redisPassword, 'PING')).toBe('+PONG');
		expect(await redisCommand('127.0.0.1', config.ports.redisLive, 'wrong-password', 'PING')).toMatch(/^-WRONGPASS/);
		const paths = runPaths(config);
		const socketPing = await run('redis-cli', ['-s', paths.redisDataSocket, '-a', config.redisPassword, '--no-auth-warning', 'PING']);
		expect(socketPing.stdout.trim()).toBe('PONG');
		const persistence = await run('redis-cli', ['-s', paths.redisDataSocket, '-a', config.redisPassword, '--no-auth-warning', 'CONFIG', 'GET', 'appendonly']);
		expect(persistence.stdout.split('\n')[1]).toBe('yes');
		const live = await run('redis-cli', ['-s', paths.redisLiveSocket, '-a', config.redisPassword, '--no-auth-warning', 'CONFIG', 'GET', 'appendonly']);
		expect(live.stdout.split('\n')[1]).toBe('no');
	});

	test('keyspace (etcd, single member) stores and returns a key, over TLS with the machine\'s keyspace certificate', async () => {
		const tls = localKeyspaceTlsFiles(instance.config);
		const etcdctl = (...args: string[]): Promise<{stdout: string}> =>
			run('etcdctl', ['--endpoints', instance.config.keyspaceEndpoints[0]!, '--cacert', tls.ca, '--cert', tls.cert, '--key', tls.key, ...args], {env: {...process.env, ETCDCTL_API: '3'}});
		expect(instance.config.keyspaceEndpoints).toEqual([`https://127.0.0.1:${instance.config.ports.keyspaceClient}`]);
		await etcdctl('put', '/ampzero/test', 'hello');
		const {stdout} = await etcdctl('get', '/ampzero/test', '--print-value-only');
		expect(stdout.trim()).toBe('hello');
	});

	test('the three cluster member files describe one three-member cluster', async () => {
		const members = await Promise.all(
			[0, 1, 2].map(async index => yaml.load(await readFile(path.join(instance.directory, 'keyspace', `keyspace-${index}.conf`), 'utf8')) as Record<string, string>),
		);
		expect(members.map(member => member['name'])).toEqual(['keyspace-0', 'keyspace-1', 'keyspace-2']);
		for (const member of members) {
			expect(member['initial-cluster']?.split(',')).toHaveLength(3);
			expect(member['initial-cluster']).toContain(`${member['name']}=${member['initial-advertise-peer-urls']}`);
		}
	});
});
