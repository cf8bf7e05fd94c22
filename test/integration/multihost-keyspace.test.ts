import {spawn, type ChildProcess} from 'node:child_process';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import {chromium} from 'playwright-core';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {ampzeroBin, letDaemonUserIn, makeTestInstance, type TestInstance} from '../helpers/instance.js';
import {startSshHosts, type SshTestHost, type SshTestHosts} from '../helpers/ssh-hosts.js';
import {gotoSteadily} from '../helpers/browser.js';
import {cookieFrom, getUrl} from '../helpers/https-request.js';
import {LogstoreClient} from '../../services/logstore/client.js';
import {keyFileName} from '../../services/keys/identity.js';
import {readPrivateKeyFile} from '../../services/keys/store.js';

/*
 * One instance over three namespace hosts (each its own network, loopback and /opt, where its run
 * directory lives): alpha runs keyspace-0, logstore and zerodata; beta and gamma are server hosts
 * with keyspace-1 and keyspace-2. Each runs `ampzero run` in the foreground and finds its own place
 * in hosts: by its address.
 */
let harness: SshTestHosts | undefined;
let instance: TestInstance | undefined;
const runs = new Map<string, {child: ChildProcess; output: string}>();
const names = ['alpha', 'beta', 'gamma'] as const;
let waitingOutput = '';

const notesService = `export default function register(app) {
	app.get('/note/save', async (request, context) => {
		if (context.userId === undefined) return {status: 401, body: {error: 'log in first'}};
		await context.data.put('note', context.userId, {text: request.query.text, savedBy: context.hostId});
		return {status: 200, body: {saved: true}};
	});
	app.get('/note', async (request, context) => {
		if (context.userId === undefined) return {status: 401, body: {error: 'log in first'}};
		const note = await context.data.get('note', context.userId);
		return {status: 200, body: {user: context.user, note: note ? note.properties.text : null}};
	});
}
`;

const host = (index: number): SshTestHost => harness!.hosts[index]!;
const tlsFile = (relative: string): string => path.join(instance!.directory, 'tls', relative);

function startRun(index: number): Promise<void> {
	// alpha and beta find their entry by their address; gamma is told which it is.
	const as = names[index] === 'gamma' ? ['--as', 'gamma'] : [];
	// beta and gamma are server hosts by hosts: alone: no NAT mapping without being told.
	// alpha runs as users run it, daemonised: its supervisor and daemons must find their place on their own.
	const daemonised = names[index] === 'alpha';
	const argv = host(index).enterCommand([process.execPath, ampzeroBin, 'run', instance!.directory, ...(daemonised ? [] : ['--no-daemon']), '--batch', '--no-hub', ...(index === 0 ? ['--no-nat-bypass'] : []), ...as]);
	const child = spawn(argv[0]!, argv.slice(1), {env: {...process.env, AMPZERO_HOME: instance!.home, CI: '1'}, stdio: ['ignore', 'pipe', 'pipe']});
	const run = {child, output: ''};
	runs.set(names[index]!, run);
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`${names[index]} not ready in 90 s:\n${run.output}`)), 90_000);
		const onData = (chunk: Buffer): void => {
			run.output += chunk.toString();
			if (/^all daemons ready/m.test(run.output)) {
				clearTimeout(timer);
				resolve();
			}
		};
		child.stdout.on('data', onData);
		child.stderr.on('data', onData);
		child.once('exit', code => {
			clearTimeout(timer);
			// A daemonised run prints each daemon and exits 0 once all are ready.
			if (daemonised && code === 0) resolve();
			else reject(new Error(`${names[index]}'s run ended (${code}) before it was ready:\n${run.output}`));
		});
	});
}

async function stopRuns(): Promise<void> {
	if (harness && instance && runs.has('alpha')) await host(0).exec([process.execPath, ampzeroBin, 'run', instance.directory, 'stop', '--batch'], {timeoutMs: 30_000});
	await Promise.all(
		[...runs.values()].map(
			({child}) =>
				new Promise<void>(resolve => {
					if (child.exitCode !== null || child.signalCode !== null) return resolve();
					const timer = setTimeout(() => (child.kill('SIGKILL'), resolve()), 15_000);
					child.once('exit', () => (clearTimeout(timer), resolve()));
					child.kill('SIGTERM');
				}),
		),
	);
}

/** etcdctl from inside a host, with that host's certificate of the instance's CA. */
async function etcdctl(from: number, endpoints: number[], args: string[]): Promise<{code: number; stdout: string; stderr: string}> {
	const name = names[from];
	const list = endpoints.map(index => `https://${host(index).address}:${instance!.config.ports.keyspaceClient}`).join(',');
	return host(from).exec(['env', 'ETCDCTL_API=3', 'etcdctl', '--endpoints', list, '--cacert', tlsFile('ca.cert'), '--cert', tlsFile(`hosts/${name}.cert`), '--key', tlsFile(`hosts/${name}.key`), '--command-timeout=3s', '--dial-timeout=2s', ...args], {timeoutMs: 15_000});
}

async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let last: unknown;
	for (;;) {
		try {
			const value = await check();
			if (value !== undefined) return value;
		} catch (error) {
			last = error;
		}
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
		await new Promise(resolve => setTimeout(resolve, 300));
	}
}

async function registrations(from: number, endpoints: number[]): Promise<string[]> {
	const result = await etcdctl(from, endpoints, ['get', '--prefix', '--keys-only', `/ampzero/${instance!.config.name}/ampnode/`]);
	if (result.code !== 0) throw new Error(result.stderr);
	return result.stdout.split('\n').filter(Boolean).sort();
}

beforeAll(async () => {
	harness = await startSshHosts(3, {prefix: 'azm'});
	instance = await makeTestInstance({name: 'multi'});
	const file = path.join(instance.directory, 'amprun.yaml');
	const config = yaml.load(readFileSync(file, 'utf8')) as Record<string, unknown>;
	config['amprun_root_directory'] = '/opt/var';
	config['hosts'] = [
		{name: 'alpha', address: host(0).address, keyspace: 0, logstore: true, zerodata: true},
		{name: 'beta', address: host(1).address, keyspace: 1, server: true},
		{name: 'gamma', address: host(2).address, keyspace: 2, server: true},
	];
	writeFileSync(file, yaml.dump(config));
	for (const each of harness.hosts) {
		mkdirSync(path.join(each.optDirectory, 'var'), {mode: 0o700});
		await letDaemonUserIn(path.join(each.optDirectory, 'var'));
	}
	// Inside a host: the amprun root it checks is that host's /opt.
	const clobber = await host(0).exec([process.execPath, ampzeroBin, 'init', instance.directory, '--clobber', '--batch'], {timeoutMs: 60_000});
	if (clobber.code !== 0) throw new Error(`init --clobber failed: ${clobber.stderr}${clobber.stdout}`);
	// A service that keeps one note per user in zerodata: written through one host, read through another.
	writeFileSync(path.join(instance.directory, 'ampnode', 'services', 'notes.js'), notesService);
	const ampnodeYaml = path.join(instance.directory, 'ampnode', 'ampnode.yaml');
	writeFileSync(ampnodeYaml, readFileSync(ampnodeYaml, 'utf8').replace('services:\n', 'services:\n  - services/notes.js\n'));
	// The server hosts first: they wait, saying so, for alpha's zerodata and logstore.
	const servers = [startRun(1), startRun(2)];
	for (const started of servers) started.catch(() => {});
	await eventually('beta to hold its ampnode back for zerodata', async () => (/^ampnode\s+pending .*\(waiting for .*zerodata at https:\/\//m.test(runs.get('beta')!.output) ? true : undefined), 60_000);
	waitingOutput = runs.get('beta')!.output;
	await Promise.all([startRun(0), ...servers]);
}, 150_000);

afterAll(async () => {
	await stopRuns();
	await harness?.cleanup();
	await instance?.cleanup();
}, 60_000);

describe('one instance over three hosts', () => {
	it('the three keyspace members form one cluster, and every ampnode registers there under its lease', async () => {
		const members = await etcdctl(0, [0, 1, 2], ['member', 'list', '-w', 'json']);
		expect(members.stderr).toBe('');
		const list = (JSON.parse(members.stdout) as {members: Array<{name: string; peerURLs: string[]; clientURLs: string[]}>}).members;
		expect(list.map(member => member.name).sort()).toEqual(['keyspace-0', 'keyspace-1', 'keyspace-2']);
		for (const member of list) {
			expect(member.peerURLs.every(url => url.startsWith('https://'))).toBe(true);
			expect(member.clientURLs.every(url => url.startsWith('https://'))).toBe(true);
		}
		const keys = await eventually('three registrations', async () => {
			const found = await registrations(1, [1]);
			return found.length === 3 ? found : undefined;
		});
		const prefix = `/ampzero/multi/ampnode/${instance!.config.hostId}`;
		const port = instance!.config.ports.ampnode[0];
		expect(keys).toEqual(names.map(name => `${prefix}/${name}/${port}`));
	});

	it('a server host starts only its keyspace member, redis, ampnode and nginx; alpha runs logstore and zerodata', () => {
		const started = (name: string): string[] => [...runs.get(name)!.output.matchAll(/^(\S+)\s+ready\s+pid/gm)].map(match => match[1]!).sort();
		const server = ['ampnode', 'keyspace', 'nginx', 'redis-data', 'redis-live'];
		expect(started('beta')).toEqual(server);
		expect(started('gamma')).toEqual(server);
		expect(started('alpha')).toEqual([...server, 'logstore', 'zerodata'].sort());
		expect(runs.get('beta')!.output).not.toMatch(/^NAT/m);
		expect(runs.get('gamma')!.output).not.toMatch(/^NAT/m);
	});

	it('each daemon binds where it must: redis and ampnode on loopback only; etcd, zerodata, logstore and nginx on the host address', async () => {
		const {ports} = instance!.config;
		const listening = async (index: number): Promise<string[]> => {
			const result = await host(index).exec(['ss', '-Htln']);
			return result.stdout.split('\n').filter(Boolean).map(line => line.trim().split(/\s+/)[3]!);
		};
		const alpha = await listening(0);
		const a = host(0).address;
		expect(alpha).toEqual(expect.arrayContaining([`${a}:${ports.keyspaceClient}`, `${a}:${ports.keyspacePeer}`, `${a}:${ports.zerodata}`, `${a}:${ports.logstore}`, `${a}:${ports.frontend}`, `127.0.0.1:${ports.redisLive}`, `127.0.0.1:${ports.redisData}`, `127.0.0.1:${ports.ampnode[0]}`]));
		for (const index of [0, 1, 2]) {
			const sockets = await listening(index);
			// Nothing on every address; redis and ampnode nowhere but loopback.
			expect(sockets.filter(socket => socket.startsWith('0.0.0.0:') || socket.startsWith('*:') || socket.startsWith('[::]:'))).toEqual([]);
			for (const port of [ports.redisLive, ports.redisData, ...ports.ampnode]) {
				expect(sockets.filter(socket => socket.endsWith(`:${port}`))).toEqual([`127.0.0.1:${port}`]);
			}
		}
		const beta = await listening(1);
		expect(beta).not.toContain(`${host(1).address}:${ports.zerodata}`);
	});

	it('refuses plain HTTP from another host to etcd, zerodata and logstore; HTTPS with the CA answers', async () => {
		const {ports} = instance!.config;
		const a = host(0).address;
		const curl = async (args: string[]): Promise<string> => (await host(1).exec(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', ...args])).stdout;
		for (const port of [ports.keyspaceClient, ports.keyspacePeer, ports.zerodata, ports.logstore]) {
			const plain = await curl([`http://${a}:${port}/health`]);
			expect(plain, `plain HTTP to ${a}:${port}`).not.toBe('200');
		}
		// etcd also wants a client certificate of the instance's CA.
		expect(await curl(['--cacert', tlsFile('ca.cert'), `https://${a}:${ports.keyspaceClient}/health`])).not.toBe('200');
		const withCertificate = ['--cacert', tlsFile('ca.cert'), '--cert', tlsFile('hosts/beta.cert'), '--key', tlsFile('hosts/beta.key')];
		expect(await curl([...withCertificate, `https://${a}:${ports.keyspaceClient}/health`])).toBe('200');
		expect(await curl(['--cacert', tlsFile('ca.cert'), `https://${a}:${ports.zerodata}/health`])).toBe('200');
		expect(await curl(['--cacert', tlsFile('ca.cert'), `https://${a}:${ports.logstore}/health`])).toBe('200');
	});

	it('a server host waits for its remote dependencies, and status --json shows each with its reachability', async () => {
		// While alpha was away beta's ampnode was held back with the reason, after redis was up.
		expect(waitingOutput).toMatch(/^waiting for remote zerodata at https:\/\/\S+: unreachable \(connect ECONNREFUSED\)$/m);
		expect(waitingOutput).not.toMatch(/^ampnode\s+starting/m);
		const status = await host(1).exec([process.execPath, ampzeroBin, 'run', instance!.directory, 'status', '--json'], {timeoutMs: 20_000});
		expect(status.code).toBe(0);
		const records = status.stdout.split('\n').filter(Boolean).map(line => JSON.parse(line) as Record<string, unknown>);
		const run = records.find(record => record['type'] === 'run')!;
		const {ports} = instance!.config;
		const url = (index: number, port: number): string => `https://${host(index).address}:${port}`;
		const remote = (run['remote'] as Array<Record<string, unknown>>).map(({name, url, reachable}) => ({name, url, reachable}));
		expect(remote).toEqual([
			{name: 'keyspace-0', url: url(0, ports.keyspaceClient), reachable: true},
			{name: 'keyspace-2', url: url(2, ports.keyspaceClient), reachable: true},
			{name: 'zerodata', url: url(0, ports.zerodata), reachable: true},
			{name: 'logstore', url: url(0, ports.logstore), reachable: true},
		]);
		expect(records.filter(record => record['type'] === 'remote').map(record => record['name'])).toEqual(['keyspace-0', 'keyspace-2', 'zerodata', 'logstore']);
	});

	it('the server hosts serve through their own nginx', async () => {
		for (const index of [1, 2]) {
			const answer = await host(index).exec(['curl', '-sk', '--max-time', '5', `https://${host(index).address}:${instance!.config.ports.frontend}/hello?name=multi`]);
			expect(JSON.parse(answer.stdout)).toMatchObject({hello: 'multi'});
		}
	});

	it('a user logged in through beta and through gamma reads back through gamma what was written through beta; both access logs reach the one logstore', async () => {
		const {ports} = instance!.config;
		const frontend = (index: number): string => `https://${host(index).address}:${ports.frontend}`;
		const logIn = async (index: number): Promise<string> => {
			const link = await host(index).exec([process.execPath, ampzeroBin, 'run', instance!.directory, 'login', '--batch'], {timeoutMs: 20_000});
			expect(link.code).toBe(0);
			// The link names the host's own frontend.
			expect(link.stdout.trim().startsWith(`${frontend(index)}/login?token=`)).toBe(true);
			const url = new URL(link.stdout.trim());
			const answer = await getUrl(`${frontend(index)}${url.pathname}${url.search}`);
			expect(answer.status).toBe(303);
			return cookieFrom(answer, 'ampzero_session')!;
		};
		const onBeta = await logIn(1);
		const saved = await getUrl(`${frontend(1)}/note/save?text=written+on+beta`, {cookie: onBeta});
		expect(saved.body).toBe('{"saved":true}');
		const onGamma = await logIn(2);
		const read = JSON.parse((await getUrl(`${frontend(2)}/note`, {cookie: onGamma})).body) as {user: string; note: string};
		expect(read).toEqual({user: instance!.config.userName, note: 'written on beta'});
		expect((await getUrl(`${frontend(2)}/note`)).status).toBe(401);
		// Both frontends' requests are in alpha's logstore, read over HTTPS with the instance's CA.
		const tls = {ca: readFileSync(tlsFile('ca.cert'), 'utf8'), cert: readFileSync(tlsFile('hosts/alpha.cert'), 'utf8'), key: readFileSync(tlsFile('hosts/alpha.key'), 'utf8')};
		const {config} = instance!;
		const hostKey = await readPrivateKeyFile(path.join(instance!.directory, 'ampnode', keyFileName('host', config.hostId, 'private')));
		const logstore = new LogstoreClient({url: `https://${host(0).address}:${ports.logstore}`, hostId: config.hostId, secretKey: hostKey.secretKey, instance: config.name, tls});
		try {
			const port = ports.ampnode[0];
			const paths = await eventually('the access records of beta and gamma in the logstore', async () => {
				const found = new Map<string, string[]>();
				for await (const record of logstore.queryAll({kind: 'access'})) {
					// `host` is the host whose key signed the append; which ampnode sent it is its own claim, `source`.
					expect(record.host).toBe(`host-${instance!.config.hostId}`);
					const source = record.source ?? '';
					found.set(source, [...(found.get(source) ?? []), String((record.data as {path?: string}).path)]);
				}
				const beta = found.get(`host-${instance!.config.hostId}@beta:${port}`) ?? [];
				const gamma = found.get(`host-${instance!.config.hostId}@gamma:${port}`) ?? [];
				return beta.includes('/note/save') && gamma.includes('/note') ? {beta, gamma} : undefined;
			}, 15_000);
			expect(paths.beta).toContain('/note/save');
		} finally {
			logstore.close();
		}
	});

	it('in a real browser: signed in through beta, a note saved there is read back through gamma', async () => {
		const {ports} = instance!.config;
		const frontend = (index: number): string => `https://${host(index).address}:${ports.frontend}`;
		const loginPath = async (index: number): Promise<string> => {
			const link = await host(index).exec([process.execPath, ampzeroBin, 'run', instance!.directory, 'login', '--batch'], {timeoutMs: 20_000});
			const url = new URL(link.stdout.trim());
			return `${url.pathname}${url.search}`;
		};
		const profile = mkdtempSync(path.join(tmpdir(), 'ampzero-chromium-'));
		const context = await chromium.launchPersistentContext(profile, {
			executablePath: '/usr/bin/chromium',
			headless: true,
			ignoreHTTPSErrors: true,
			args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
			timeout: 30_000,
		});
		try {
			const page = await context.newPage();
			const {userName, userId, hostId} = instance!.config;
			await gotoSteadily(page, async () => `${frontend(1)}${await loginPath(1)}`);
			expect(await page.textContent('body')).toContain(`Signed in as ${userName} (user ${userId}) on host ${hostId}`);
			await gotoSteadily(page, `${frontend(1)}/note/save?text=${encodeURIComponent('typed in the browser on beta')}`);
			expect(JSON.parse((await page.textContent('body'))!)).toEqual({saved: true});
			await gotoSteadily(page, `${frontend(2)}/note`);
			expect(JSON.parse((await page.textContent('body'))!)).toEqual({error: 'log in first'});
			await gotoSteadily(page, async () => `${frontend(2)}${await loginPath(2)}`);
			expect(await page.textContent('body')).toContain(`Signed in as ${userName}`);
			await gotoSteadily(page, `${frontend(2)}/note`);
			expect(JSON.parse((await page.textContent('body'))!)).toEqual({user: userName, note: 'typed in the browser on beta'});
		} finally {
			await context.close();
			rmSync(profile, {recursive: true, force: true});
		}
	}, 60_000);

	it('survives one member killed: the cluster keeps serving and registering, and the member rejoins', async () => {
		const pidFile = path.join(host(2).optDirectory, 'var', 'multi', 'pids', 'keyspace.pid');
		const pid = Number(readFileSync(pidFile, 'utf8').trim().split(/\s+/)[0]);
		expect(pid).toBeGreaterThan(1);
		// A member that hangs, for longer than an ampnode lease (5 s): gamma's ampnode, whose own member it
		// is, keeps its lease alive through the others.
		const before = await etcdctl(0, [0, 1], ['get', '-w', 'json', `/ampzero/multi/ampnode/${instance!.config.hostId}/gamma/${instance!.config.ports.ampnode[0]}`]);
		const lease = (JSON.parse(before.stdout) as {kvs: Array<{lease: number}>}).kvs[0]!.lease;
		process.kill(pid, 'SIGSTOP');
		try {
			await new Promise(resolve => setTimeout(resolve, 7_000));
			const during = await etcdctl(0, [0, 1], ['get', '-w', 'json', `/ampzero/multi/ampnode/${instance!.config.hostId}/gamma/${instance!.config.ports.ampnode[0]}`]);
			expect((JSON.parse(during.stdout) as {kvs: Array<{lease: number}>}).kvs[0]!.lease).toBe(lease);
			// gamma keeps serving meanwhile.
			const hello = await getUrl(`https://${host(2).address}:${instance!.config.ports.frontend}/hello?name=gamma`);
			expect(JSON.parse(hello.body)).toMatchObject({hello: 'gamma'});
		} finally {
			process.kill(pid, 'SIGCONT');
		}
		process.kill(pid, 'SIGKILL');
		// If the killed member led, the other two elect a leader first (an election timeout, 1 s).
		const put = await eventually('a write while keyspace-2 is down', async () => {
			const attempt = await etcdctl(0, [0, 1], ['put', '/test/while-down', 'written']);
			return attempt.code === 0 ? attempt : undefined;
		}, 15_000);
		expect(put.stdout.trim()).toBe('OK');
		expect(await registrations(0, [0, 1])).toHaveLength(3);
		// gamma's supervisor starts its member again; it catches up with what was written meanwhile.
		const value = await eventually('keyspace-2 back with the write it missed', async () => {
			const read = await etcdctl(2, [2], ['get', '--consistency=s', '--print-value-only', '/test/while-down']);
			return read.code === 0 && read.stdout.trim() === 'written' ? read.stdout.trim() : undefined;
		});
		expect(value).toBe('written');
		const health = await etcdctl(0, [0, 1, 2], ['endpoint', 'health', '-w', 'json']);
		expect((JSON.parse(health.stdout) as Array<{health: boolean}>).map(entry => entry.health)).toEqual([true, true, true]);
		expect(await registrations(2, [2])).toHaveLength(3);
		expect(runs.get('gamma')!.child.exitCode).toBeNull();
	}, 90_000);
});
