import {readFileSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {InstanceConfig} from '../../services/config/amprun.js';
import {ampzeroDeploy, changeInstanceFile, git, makeTrioFixture, whyDeployFailed, type DeployFixture, type DeployResult} from '../helpers/deploy-fixture.js';
import {cookieFrom, getUrl} from '../helpers/https-request.js';
import {runAmpzero} from '../helpers/instance.js';
import {keyFileName} from '../../services/keys/identity.js';
import {readPrivateKeyFile} from '../../services/keys/store.js';
import {LogstoreClient} from '../../services/logstore/client.js';
import {base64, KeyspaceClient} from '../../source/daemons/ampnode/keyspace-client.js';
import {startSshHosts, type SshTestHost, type SshTestHosts} from '../helpers/ssh-hosts.js';

/*
 * One instance over three SSH hosts, deployed in one command, as the README's "One instance over
 * several hosts" says: hosts: in amprun.yaml (alpha: keyspace-0, logstore, zerodata; beta and gamma:
 * server hosts with keyspace-1 and -2), `init --clobber`, deployment.yaml naming the hosts by address.
 */
let harness: SshTestHosts | undefined;
let fixture: DeployFixture | undefined;
let config: InstanceConfig | undefined;
const names = ['alpha', 'beta', 'gamma'] as const;


const host = (index: number): SshTestHost => harness!.hosts[index]!;
const frontend = (index: number): string => `https://${host(index).address}:${config!.ports.frontend}`;
const ampzeroOn = (index: number, args: string[]): Promise<{code: number; stdout: string; stderr: string}> =>
	host(index).exec(['env', `AMPZERO_HOST=${names[index]}`, 'CI=1', process.execPath, '/opt/ampzero/dist/ampify/bin/ampzero', ...args], {timeoutMs: 30_000});


const deployTrio = (args: string[] = []): Promise<DeployResult> => ampzeroDeploy(fixture!, ['./trio', '--batch', '--json', ...args], {}, 400_000);

/** A one-time link made on the host for its own frontend, followed: the session cookie. */
async function logIn(index: number): Promise<string> {
	const link = await ampzeroOn(index, ['run', '/opt/ampzero/dist/instance', 'login', '--batch']);
	expect(link.code, link.stderr).toBe(0);
	const url = new URL(link.stdout.trim());
	const answer = await getUrl(`${frontend(index)}${url.pathname}${url.search}`);
	expect(answer.status).toBe(303);
	return cookieFrom(answer, 'ampzero_session')!;
}

async function note(index: number, cookie: string): Promise<string | null> {
	const answer = await getUrl(`${frontend(index)}/note`, {cookie});
	expect(answer.status, answer.body).toBe(200);
	return (JSON.parse(answer.body) as {note: string | null}).note;
}

/** The paths of every access record in alpha's logstore, read over HTTPS with the instance's CA and alpha's certificate. */
async function accessPaths(): Promise<string[]> {
	const tlsFile = (relative: string): string => readFileSync(path.join(fixture!.instance.directory, 'tls', relative), 'utf8');
	const hostKey = await readPrivateKeyFile(path.join(fixture!.instance.directory, 'ampnode', keyFileName('host', config!.hostId, 'private')));
	const logstore = new LogstoreClient({
		url: `https://${host(0).address}:${config!.ports.logstore}`,
		hostId: config!.hostId,
		secretKey: hostKey.secretKey,
		instance: config!.name,
		tls: {ca: tlsFile('ca.cert'), cert: tlsFile('hosts/alpha.cert'), key: tlsFile('hosts/alpha.key')},
	});
	try {
		const paths: string[] = [];
		for await (const record of logstore.queryAll({kind: 'access'})) paths.push(String((record.data as {path?: string}).path));
		return paths;
	} finally {
		logstore.close();
	}
}

/** Each host's keyspace member pid, from the pid file its supervisor keeps. */
async function memberPids(): Promise<number[]> {
	const pids: number[] = [];
	for (const index of names.keys()) {
		const file = await host(index).exec(['cat', `/opt/ampzero/var/${config!.name}/pids/keyspace.pid`]);
		expect(file.code, file.stderr).toBe(0);
		pids.push(Number(file.stdout.split('\n')[0]));
	}
	return pids;
}

/**
 * Writes a key through the keyspace and reads it back, every 100 ms, as ampnode does (its client, each
 * member tried in turn), until `until` settles: every failed round is kept. Bounded to 600 s.
 */
async function keyspaceLoop<T>(until: Promise<T>): Promise<{result: T; rounds: number; failures: string[]}> {
	const tls = (relative: string): string => readFileSync(path.join(fixture!.instance.directory, 'tls', relative), 'utf8');
	const client = new KeyspaceClient(
		names.map((_, index) => `https://${host(index).address}:${config!.ports.keyspaceClient}`),
		{ca: tls('ca.cert'), cert: tls('hosts/alpha.cert'), key: tls('hosts/alpha.key')},
	);
	let settled = false;
	const done = until.finally(() => (settled = true));
	const failures: string[] = [];
	let rounds = 0;
	const deadline = Date.now() + 600_000;
	while (!settled && Date.now() < deadline) {
		rounds += 1;
		const value = `round ${rounds}`;
		try {
			await client.call('/v3/kv/put', {key: base64('deploy-test/quorum'), value: base64(value)});
			const read = (await client.call('/v3/kv/range', {key: base64('deploy-test/quorum')})) as {kvs?: Array<{value: string}>};
			const got = Buffer.from(read.kvs?.[0]?.value ?? '', 'base64').toString('utf8');
			if (got !== value) failures.push(`round ${rounds}: read ${JSON.stringify(got)}`);
		} catch (error) {
			failures.push(`round ${rounds} at ${new Date().toISOString()}: ${error instanceof Error ? error.message : String(error)}`);
		}
		await new Promise(resolve => setTimeout(resolve, 100));
	}
	return {result: await done, rounds, failures};
}

/** The deploy's `daemon` records of one step (what became of the daemons that keep state), as `HOST LINE`. */
function linesOf(result: DeployResult, step: string): string[] {
	return result.events.filter(event => event.type === 'daemon' && event['step'] === step).map(event => `${String(event['host'])} ${String(event['line'])}`);
}

beforeAll(async () => {
	harness = await startSshHosts(3, {prefix: 'azd'});
	fixture = await makeTrioFixture(harness);
	config = fixture.instance.config;
}, 120_000);

afterAll(async () => {
	await harness?.cleanup();
	await fixture?.cleanup();
}, 60_000);

describe('deploy of one instance over three hosts', () => {
	let cookie = '';

	it('a host that is in neither list is refused before anything connects, naming both files', async () => {
		const wrong = path.join(fixture!.root, 'wrong.yaml');
		writeFileSync(wrong, `hosts:\n  - host: ${host(0).target}\n  - host: ${host(1).target}\n  - host: root@10.199.255.1\nssh:\n  known_hosts: ${harness!.knownHostsFile}\n`);
		const result = await ampzeroDeploy(fixture!, ['./trio', '--config', wrong, '--batch', '--json']);
		expect(result.code).toBe(1);
		expect(result.stderr).toContain(`${wrong}:4: root@10.199.255.1: 10.199.255.1 is the address of no host of ${path.join(fixture!.instance.directory, 'amprun.yaml')} hosts:`);
		expect(result.events.filter(event => event.type === 'step-start')).toEqual([]);
	});

	it('one command: three keyspace members, every remote dependency reachable, each host only its own key; logged in on alpha, a note written there is read on beta and gamma', async () => {
		const result = await deployTrio();
		expect(result.code, whyDeployFailed(result)).toBe(0);
		const members = await host(0).exec(
			['env', 'ETCDCTL_API=3', 'etcdctl', '--endpoints', `https://${host(0).address}:${config!.ports.keyspaceClient}`, '--cacert', path.join(fixture!.instance.directory, 'tls/ca.cert'), '--cert', path.join(fixture!.instance.directory, 'tls/hosts/alpha.cert'), '--key', path.join(fixture!.instance.directory, 'tls/hosts/alpha.key'), 'member', 'list', '-w', 'json'],
			{timeoutMs: 15_000},
		);
		expect(members.code, members.stderr).toBe(0);
		expect((JSON.parse(members.stdout) as {members: Array<{name: string}>}).members.map(member => member.name).sort()).toEqual(['keyspace-0', 'keyspace-1', 'keyspace-2']);
		for (const [index, name] of names.entries()) {
			const status = await ampzeroOn(index, ['run', '/opt/ampzero/dist/instance', 'status', '--json']);
			expect(status.code, status.stderr).toBe(0);
			const remotes = status.stdout.split('\n').filter(line => line.startsWith('{')).map(line => JSON.parse(line) as Record<string, unknown>).filter(record => record['type'] === 'remote');
			expect(remotes.length, status.stdout).toBeGreaterThanOrEqual(name === 'alpha' ? 2 : 4);
			for (const remote of remotes) expect(remote['reachable'], JSON.stringify(remote)).toBe(true);
			const keys = await host(index).exec(['ls', '/opt/ampzero/dist/instance/tls', '/opt/ampzero/dist/instance/tls/hosts']);
			expect(keys.stdout).not.toContain('ca.key');
			expect(keys.stdout.split(/\s+/).filter(entry => entry.endsWith('.key'))).toEqual([`${name}.key`]);
			expect((await getUrl(`${frontend(index)}/health`)).status).toBe(200);
		}
		cookie = await logIn(0);
		expect((await getUrl(`${frontend(0)}/note/save?text=before+the+deploys`, {cookie})).body).toBe('{"saved":true}');
		// The login made on alpha's frontend holds on beta's and gamma's (sessions live in the keyspace).
		expect(await note(1, cookie)).toBe('before the deploys');
		expect(await note(2, cookie)).toBe('before the deploys');
		expect((await getUrl(`${frontend(1)}/note`)).status).toBe(401);
		const logged = Date.now() + 15_000;
		while (!(await accessPaths()).includes('/note/save') && Date.now() < logged) await new Promise(resolve => setTimeout(resolve, 500));
		expect(await accessPaths()).toContain('/note/save');
	}, 420_000);

	it('a one-file deploy keeps every keyspace member running (same pids) and the cluster answering the whole time', async () => {
		const before = await memberPids();
		changeInstanceFile(fixture!, 'second release of trio');
		const {result: second, rounds, failures} = await keyspaceLoop(deployTrio());
		expect(second.code, whyDeployFailed(second)).toBe(0);
		expect(failures, failures.join('\n')).toEqual([]);
		expect(rounds).toBeGreaterThan(20);
		expect(await memberPids()).toEqual(before);
		const stopOld = linesOf(second, 'stop-old');
		for (const [index, name] of names.entries()) {
			expect(stopOld.some(line => line.startsWith(host(index).target) && line.includes(`keyspace-${index} kept running`)), stopOld.join('\n')).toBe(true);
			expect(stopOld.some(line => line.startsWith(host(index).target) && line.includes('redis-data kept running')), `${name}: ${stopOld.join('\n')}`).toBe(true);
		}
		for (const daemon of ['zerodata', 'logstore']) expect(stopOld.some(line => line.startsWith(host(0).target) && line.includes(`${daemon} kept running`)), stopOld.join('\n')).toBe(true);
		expect(stopOld.filter(line => line.includes('restarted'))).toEqual([]);
		// The same session, read through the keyspace.
		expect(await note(2, cookie)).toBe('before the deploys');
	}, 600_000);

	it('renewed host certificates restart the keyspace members one host at a time, the cluster answering the whole time; the note and login survive it and its rollback', async () => {
		// A user renews every host's certificate: removes them and lets init --clobber sign new ones.
		// init --clobber writes deployment.yaml's example and ampnode.yaml again: the user's own are put back from git.
		rmSync(path.join(fixture!.instance.directory, 'tls', 'hosts'), {recursive: true, force: true});
		const clobber = await runAmpzero(['init', './trio', '--clobber', '--batch'], {home: fixture!.home, cwd: fixture!.root, timeoutMs: 60_000});
		expect(clobber.code, clobber.stderr).toBe(0);
		git(fixture!.instance.directory, 'checkout', 'HEAD~1', '--', 'deployment.yaml', 'ampnode/ampnode.yaml');
		git(fixture!.instance.directory, 'commit', '-q', '-m', 'renewed host certificates');
		const before = await memberPids();
		const {result: renewed, failures} = await keyspaceLoop(deployTrio());
		expect(renewed.code, whyDeployFailed(renewed)).toBe(0);
		expect(failures, failures.join('\n')).toEqual([]);
		const after = await memberPids();
		for (const index of names.keys()) expect(after[index]).not.toBe(before[index]);
		// One member at a time: each restart (in host order) ended healthy before the next began.
		const restarts = renewed.events.filter(event => event.type === 'daemon' && event['state'] === 'restarted-in-turn');
		expect(restarts.map(event => String(event['daemon'])).sort()).toEqual(['keyspace-0', 'keyspace-1', 'keyspace-2']);
		const stopOld = linesOf(renewed, 'stop-old');
		expect(stopOld.filter(line => line.includes('keeps running for now: its config changed')).length, stopOld.join('\n')).toBe(3);
		expect(await note(1, cookie)).toBe('before the deploys');

		const {result: back, failures: backFailures} = await keyspaceLoop(deployTrio(['--rollback']));
		expect(back.code, whyDeployFailed(back)).toBe(0);
		expect(backFailures, backFailures.join('\n')).toEqual([]);
		expect(back.events.filter(event => event.type === 'daemon' && event['state'] === 'restarted-in-turn').length).toBe(3);
		expect(await note(1, cookie)).toBe('before the deploys');
		// The access record of the save, written to alpha's logstore before every deploy, is still there.
		expect(await accessPaths()).toContain('/note/save');
	}, 900_000);
});
