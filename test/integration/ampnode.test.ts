import {execFile} from 'node:child_process';
import {readFile, rm, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import type {InstanceConfig} from '../../services/config/amprun.js';
import {keyspaceClientTls} from '../../services/config/keyspace-tls.js';
import {runPaths} from '../../services/config/paths.js';
import {keyFileName} from '../../services/keys/identity.js';
import {readPrivateKeyFile} from '../../services/keys/store.js';
import {LogstoreClient} from '../../services/logstore/client.js';
import type {LogRecord} from '../../services/logstore/records.js';
import {createLoginLink} from '../../services/login.js';
import {ZerodataClient} from '../../services/zerodata/client.js';
import {KeyspaceClient} from '../../source/daemons/ampnode/keyspace-client.js';
import {delay, redisCommand, startInstanceDaemons, type RunningDaemons} from '../helpers/daemons.js';
import {cookieFrom, getUrl} from '../helpers/https-request.js';
import {makeTestInstance, type TestInstance} from '../helpers/instance.js';

const brokenService = `// A service that fails while loading.
const settings = {};
throw new Error('broken on purpose: ' + Object.keys(settings).length);
`;

/** The keys under `prefix`, read as ampnode reads the keyspace: over TLS, showing the machine's keyspace certificate. */
async function keyspaceKeys(config: InstanceConfig, prefix: string): Promise<string[]> {
	const client = new KeyspaceClient(config.keyspaceEndpoints, keyspaceClientTls(config));
	const rangeEnd = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
	const answer = (await client.call('/v3/kv/range', {key: Buffer.from(prefix).toString('base64'), range_end: Buffer.from(rangeEnd).toString('base64')})) as {kvs?: Array<{key: string}>};
	return (answer.kvs ?? []).map(entry => Buffer.from(entry.key, 'base64').toString('utf8'));
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const value = await check();
		if (value !== undefined) return value;
		await delay(200);
	}
	throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

const slowService = `export default function register(app) {
	app.get('/slow', async () => {
		await new Promise(resolve => setTimeout(resolve, 1500));
		return {status: 200, body: 'finished'};
	});
}
`;

describe('ampnode behind nginx, on real etcd, redis, logstore and zerodata', () => {
	let instance: TestInstance;
	let daemons: RunningDaemons | undefined;
	let frontend: string;
	const sessionCookie = 'ampzero_session';

	beforeAll(async () => {
		instance = await makeTestInstance({name: 'web', ampnodes: 2});
		const ampnodeDirectory = path.join(instance.directory, 'ampnode');
		await writeFile(path.join(ampnodeDirectory, 'services', 'broken.js'), brokenService);
		await writeFile(path.join(ampnodeDirectory, 'services', 'slow.js'), slowService);
		const yamlFile = path.join(ampnodeDirectory, 'ampnode.yaml');
		await writeFile(yamlFile, (await readFile(yamlFile, 'utf8')).replace('  - services/hello.js', '  - services/broken.js\n  - services/hello.js\n  - services/slow.js'));
		daemons = await startInstanceDaemons(instance.config, instance.directory, {env: {AMPZERO_HOME: instance.home}});
		frontend = `https://127.0.0.1:${instance.config.ports.frontend}`;
	}, 90_000);

	afterAll(async () => {
		await daemons?.stopAll();
		await instance?.cleanup();
	});

	test('a login link signs the user in through nginx over HTTPS, once', async () => {
		const {config} = instance;
		const anonymous = await getUrl(`${frontend}/`);
		expect(anonymous.status).toBe(303);
		expect(anonymous.headers.location).toBe('/signed-out');
		const signedOut = await getUrl(`${frontend}/signed-out`);
		expect(signedOut.body).toContain(`ampzero run ${config.name} login`);

		const link = await createLoginLink(config, instance.directory);
		expect(link).toMatch(new RegExp(`^https://localhost:${config.ports.frontend}/login\\?token=[A-Za-z0-9_-]+$`));
		const login = await getUrl(link);
		expect(login.status).toBe(303);
		expect(login.headers.location).toBe('/');
		const setCookie = (login.headers['set-cookie'] ?? []).join('\n');
		expect(setCookie).toMatch(/HttpOnly/);
		expect(setCookie).toMatch(/Secure/);
		expect(setCookie).toMatch(/SameSite=Lax/);
		const cookie = cookieFrom(login, sessionCookie);
		expect(cookie).toBeDefined();

		const home = await getUrl(`${frontend}/`, {cookie: cookie!});
		expect(home.status).toBe(200);
		expect(home.body).toContain(`Signed in as ${config.userName} (user ${config.userId}) on host ${config.hostId}`);

		const again = await getUrl(link);
		expect(again.status).toBe(400);
		expect(again.body).toContain('does not work');
	});

	test('every ampnode shares the sessions, kept in the keyspace: a login holds when the live redis loses everything', async () => {
		const {config} = instance;
		const login = await getUrl(await createLoginLink(config, instance.directory));
		const cookie = cookieFrom(login, sessionCookie)!;
		const signedIn = async (): Promise<void> => {
			for (const port of config.ports.ampnode) {
				const page = await getUrl(`http://127.0.0.1:${port}/`, {cookie});
				expect(page.status).toBe(200);
				expect(page.body).toContain(`(user ${config.userId}) on host ${config.hostId}`);
			}
		};
		await signedIn();
		// What a restart of the live redis (no persistence) leaves: nothing.
		expect(await redisCommand('127.0.0.1', config.ports.redisLive, config.redisPassword, 'FLUSHALL')).toBe('+OK');
		await signedIn();
	});

	test('the sign-in is recorded in zerodata with a request signed by the host key', async () => {
		const {config} = instance;
		const hostKey = await readPrivateKeyFile(path.join(instance.directory, 'ampnode', keyFileName('host', config.hostId, 'private')));
		const data = new ZerodataClient({url: config.zerodataUrl, hostId: config.hostId, secretKey: hostKey.secretKey, instance: config.name});
		try {
			const entity = await waitFor('the sign-in entity', async () => (await data.get('UserSignIn', String(config.userId))) ?? undefined, 10_000);
			expect(entity.properties['userName']).toBe(config.userName);
			expect(entity.properties['hostId']).toBe(config.hostId);
		} finally {
			data.close();
		}
	});

	test('the example service answers through nginx; a service that throws at load is named with file and line', async () => {
		const hello = await getUrl(`${frontend}/hello?name=tester`);
		expect(hello.status).toBe(200);
		expect(JSON.parse(hello.body)).toMatchObject({hello: 'tester', hostId: instance.config.hostId});
		const output = daemons!.get('ampnode').output.join('\n');
		expect(output).toContain(`${path.join(instance.directory, 'ampnode', 'services', 'broken.js')}:3: Error: broken on purpose: 0`);
		const health = JSON.parse((await getUrl(`http://127.0.0.1:${instance.config.ports.ampnode[0]}/health`)).body) as {services: string[]};
		expect(health.services).toEqual(['services/hello.js', 'services/slow.js']);
	});

	test("logstore receives every ampnode's access-log lines", async () => {
		const {config} = instance;
		const marker = `/marker-${Date.now()}`;
		// Headers a client may send to pass itself off as another address: nginx replaces them.
		for (let index = 0; index < 6; index++) await getUrl(`${frontend}${marker}`, {'x-forwarded-for': '6.6.6.6, 7.7.7.7', 'x-real-ip': '8.8.8.8'});
		const hostKey = await readPrivateKeyFile(path.join(instance.directory, 'ampnode', keyFileName('host', config.hostId, 'private')));
		const logstore = new LogstoreClient({url: config.logstoreUrl, hostId: config.hostId, secretKey: hostKey.secretKey, instance: config.name});
		try {
			const records = await waitFor(
				'access records of the marker path from both ampnodes',
				async () => {
					const found: LogRecord[] = [];
					for await (const record of logstore.queryAll({kind: 'access'})) if (record.data['path'] === marker) found.push(record);
					return found.length === 6 ? found : undefined;
				},
				10_000,
			);
			expect(records.every(record => record.data['status'] === 404 && record.data['method'] === 'GET' && record.data['ip'] === '127.0.0.1')).toBe(true);
			// Filed under the host whose key signed them; which ampnode sent each is its own claim, kept as the source.
			expect(new Set(records.map(record => record.host))).toEqual(new Set([`host-${config.hostId}`]));
			const sources = new Set(records.map(record => record.source));
			expect(sources).toEqual(new Set(config.ports.ampnode.map(port => `host-${config.hostId}:${port}`)));
		} finally {
			logstore.close();
		}
	});

	test('TLS: only forward-secret AEAD suites (no CBC, no SHA-1), no session tickets, HSTS', async () => {
		const port = instance.config.ports.frontend;
		const handshake = (args: string[]): Promise<string> =>
			new Promise(resolve => {
				const child = execFile('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', ...args], {timeout: 10_000}, (_error, stdout, stderr) =>
					resolve(`${stdout}${stderr}`),
				);
				child.stdin?.end('');
			});
		const negotiated = (output: string): string | undefined => /Cipher is (\S+)/.exec(output)?.[1];
		for (const weak of ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-ECDSA-AES128-SHA256', 'ECDHE-ECDSA-AES256-SHA384']) {
			const output = await handshake(['-tls1_2', '-cipher', weak]);
			expect([weak, negotiated(output)]).toEqual([weak, '(NONE)']);
		}
		for (const strong of ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305']) {
			expect(negotiated(await handshake(['-tls1_2', '-cipher', strong]))).toBe(strong);
		}
		const tls12 = await handshake(['-tls1_2']);
		expect(negotiated(tls12)).toMatch(/GCM|CHACHA20/);
		expect(tls12).not.toContain('TLS session ticket:');
		expect(negotiated(await handshake(['-tls1_3']))).toMatch(/^TLS_/);
		const response = await getUrl(`${frontend}/index.html`);
		expect(response.headers['strict-transport-security']).toBe('max-age=63072000');
	});

	test('plain HTTP is redirected to HTTPS', async () => {
		const response = await getUrl(`http://127.0.0.1:${instance.config.ports.http}/some/page?x=1`, {host: 'localhost'});
		expect(response.status).toBe(301);
		expect(response.headers.location).toBe(`https://localhost:${instance.config.ports.frontend}/some/page?x=1`);
	});

	test('while the upgrading flag file exists every request gets the 503 placeholder page', async () => {
		const flag = runPaths(instance.config).upgradingFlag;
		await writeFile(flag, '');
		try {
			for (const page of ['/', '/hello', '/index.html']) {
				const response = await getUrl(`${frontend}${page}`);
				expect(response.status).toBe(503);
				expect(response.body).toContain('is being upgraded');
			}
		} finally {
			await rm(flag, {force: true});
		}
		expect((await getUrl(`${frontend}/hello`)).status).toBe(200);
	});

	test('killing an ampnode with SIGKILL lets its keyspace lease lapse', async () => {
		const {config} = instance;
		const secondPort = config.ports.ampnode[1]!;
		const key = `/ampzero/${config.name}/ampnode/${config.hostId}/${secondPort}`;
		const prefix = `/ampzero/${config.name}/ampnode/`;
		expect(await keyspaceKeys(instance.config, prefix)).toContain(key);
		const killedAt = Date.now();
		await daemons!.stop('ampnode-2', 'SIGKILL');
		await waitFor('the lease to lapse', async () => ((await keyspaceKeys(instance.config, prefix)).includes(key) ? undefined : true), 15_000);
		const lapsedAfter = Date.now() - killedAt;
		expect(lapsedAfter).toBeGreaterThan(1_000);
		// nginx keeps serving through the ampnode that is left.
		expect((await getUrl(`${frontend}/hello`)).status).toBe(200);
	});

	test('SIGTERM lets an in-flight request finish, exits 0 within 5 s and removes the registration at once', async () => {
		const {config} = instance;
		const prefix = `/ampzero/${config.name}/ampnode/`;
		const inFlight = getUrl(`http://127.0.0.1:${config.ports.ampnode[0]}/slow`);
		await delay(300);
		const started = Date.now();
		const exit = await daemons!.stop('ampnode', 'SIGTERM', 10_000);
		expect(exit.code).toBe(0);
		expect(Date.now() - started).toBeLessThan(5_000);
		const answer = await inFlight;
		expect(answer.status).toBe(200);
		expect(answer.body).toBe('finished');
		expect(await keyspaceKeys(instance.config, prefix)).toEqual([]);
	});
});
