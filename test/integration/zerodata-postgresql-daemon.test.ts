import {chmodSync, statSync} from 'node:fs';
import {appendFile} from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {loadInstanceConfig, type InstanceConfig} from '../../services/config/amprun.js';
import {runPaths} from '../../services/config/paths.js';
import {builtinDaemons} from '../../services/daemons/builtin.js';
import {prepareRunDirectories} from '../../services/daemons/prepare.js';
import {keyFileName} from '../../services/keys/identity.js';
import {readPrivateKeyFile} from '../../services/keys/store.js';
import {postgresqlOsUser, socketUrl} from '../../services/postgresql/cluster.js';
import {ZerodataClient} from '../../services/zerodata/client.js';
import {startSpecs, type RunningDaemons} from '../helpers/daemons.js';
import {makeTestInstance, runAmpzero, type TestInstance} from '../helpers/instance.js';
import {endInstance, processesMentioning} from '../helpers/run-processes.js';

describe('an instance whose zerodata runs on its own PostgreSQL', () => {
	let instance: TestInstance;
	let config: InstanceConfig;
	let daemons: RunningDaemons | undefined;
	const clients: ZerodataClient[] = [];

	beforeAll(async () => {
		instance = await makeTestInstance({name: 'pgdemo'});
		await appendFile(path.join(instance.directory, 'amprun.yaml'), 'zerodata:\n  engine: postgresql\n');
		config = await loadInstanceConfig(instance.directory);
		await prepareRunDirectories(config);
		// mkdtemp made the test's root 0700: as root, PostgreSQL's user must be let through it, as it would be through /opt.
		if (postgresqlOsUser() !== undefined) chmodSync(instance.root, 0o711);
	}, 60_000);

	afterAll(async () => {
		for (const client of clients) client.close();
		await daemons?.stopAll();
		await endInstance(instance);
	}, 60_000);

	/** The postgresql and zerodata daemons exactly as `ampzero run` specifies them. */
	const start = async (): Promise<RunningDaemons> => {
		const specs = builtinDaemons(config, instance.directory, {server: false, debug: false}).filter(spec => spec.name === 'postgresql' || spec.name === 'zerodata');
		expect(specs.map(spec => spec.name)).toEqual(['postgresql', 'zerodata']);
		expect(specs[1]?.dependsOn).toContain('postgresql');
		daemons = await startSpecs(specs, {AMPZERO_HOME: instance.home});
		return daemons;
	};

	const client = async (): Promise<ZerodataClient> => {
		const ampnode = path.join(instance.directory, 'ampnode');
		const key = await readPrivateKeyFile(path.join(ampnode, keyFileName('host', config.hostId, 'private')));
		const made = new ZerodataClient({url: config.zerodataUrl, hostId: config.hostId, secretKey: key.secretKey, instance: config.name});
		clients.push(made);
		return made;
	};

	it('initdb into the amprun root on first start, serves zerodata over the unix socket only, keeps data across restarts', async () => {
		let running = await start();
		const dataDirectory = path.join(runPaths(config).data, 'postgresql');
		const user = postgresqlOsUser();
		if (user !== undefined) expect(statSync(dataDirectory).uid).toBe(user.uid);
		expect(statSync(dataDirectory).mode & 0o777).toBe(0o700);
		// Others get nothing on the way in: the postgres user passes by group.
		expect(statSync(runPaths(config).root).mode & 0o007).toBe(0);

		const first = await client();
		const [id] = await first.allocateIds('note', 1);
		await first.put('note', id as number, {text: 'kept in PostgreSQL'});

		const database = new pg.Client({connectionString: socketUrl(runPaths(config).postgresqlSocketDirectory)});
		await database.connect();
		try {
			expect((await database.query('show listen_addresses')).rows[0]).toEqual({listen_addresses: ''});
			expect((await database.query('select count(*)::int as n from zerodata_entities')).rows[0]).toEqual({n: 1});
		} finally {
			await database.end();
		}

		// A clean stop: zerodata, then PostgreSQL's fast shutdown, both exiting 0.
		expect(await running.stop('zerodata')).toEqual({code: 0, signal: null});
		expect(await running.stop('postgresql')).toEqual({code: 0, signal: null});
		expect(running.get('postgresql').output.join('\n')).toMatch(/created the database cluster/);

		running = await start();
		expect(running.get('postgresql').output.join('\n')).not.toMatch(/created the database cluster/);
		expect(await (await client()).get('note', id as number)).toEqual({kind: 'note', id, properties: {text: 'kept in PostgreSQL'}});
		expect(await (await client()).allocateIds('note', 1)).toEqual([(id as number) + 1]);
	}, 120_000);

	it('`ampzero run` starts it before zerodata under the supervisor, and `run stop` ends it', async () => {
		await daemons?.stopAll();
		daemons = undefined;
		const run = await runAmpzero(['run', instance.directory, '--batch', '--no-nat-bypass', '--no-hub'], {home: instance.home, env: {CI: '1'}, timeoutMs: 90_000});
		expect(run.code, run.stderr + run.stdout).toBe(0);
		const order = run.stdout.split('\n').map(line => /^(\S+)\s+ready\s+pid \d+/.exec(line)?.[1]).filter(Boolean);
		expect(order.indexOf('postgresql')).toBeGreaterThan(-1);
		expect(order.indexOf('postgresql')).toBeLessThan(order.indexOf('zerodata'));
		expect(await (await client()).get('note', 1)).toEqual({kind: 'note', id: 1, properties: {text: 'kept in PostgreSQL'}});

		const stop = await runAmpzero(['run', instance.directory, 'stop'], {home: instance.home, env: {CI: '1'}, timeoutMs: 60_000});
		expect(stop.code, stop.stderr + stop.stdout).toBe(0);
		expect(processesMentioning(path.join(runPaths(config).data, 'postgresql'))).toEqual([]);
	}, 120_000);
});
