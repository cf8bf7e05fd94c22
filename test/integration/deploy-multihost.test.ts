import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {loadInstanceConfig, type InstanceConfig} from '../../services/config/amprun.js';
import {ampzeroDeploy, changeInstanceFile, git, makeReleaseCheckout, type DeployFixture, type DeployResult} from '../helpers/deploy-fixture.js';
import {cookieFrom, getUrl} from '../helpers/https-request.js';
import {runAmpzero} from '../helpers/instance.js';
import {keyFileName} from '../../services/keys/identity.js';
import {readPrivateKeyFile} from '../../services/keys/store.js';
import {LogstoreClient} from '../../services/logstore/client.js';
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

const notesService = `export default function register(app) {
	app.get('/note/save', async (request, context) => {
		if (context.userId === undefined) return {status: 401, body: {error: 'log in first'}};
		await context.data.put('note', context.userId, {text: request.query.text});
		return {status: 200, body: {saved: true}};
	});
	app.get('/note', async (request, context) => {
		if (context.userId === undefined) return {status: 401, body: {error: 'log in first'}};
		const note = await context.data.get('note', context.userId);
		return {status: 200, body: {note: note ? note.properties.text : null}};
	});
}
`;

const host = (index: number): SshTestHost => harness!.hosts[index]!;
const frontend = (index: number): string => `https://${host(index).address}:${config!.ports.frontend}`;
const ampzeroOn = (index: number, args: string[]): Promise<{code: number; stdout: string; stderr: string}> =>
	host(index).exec(['env', `AMPZERO_HOST=${names[index]}`, 'CI=1', process.execPath, '/opt/ampzero/dist/ampify/bin/ampzero', ...args], {timeoutMs: 30_000});

function why(result: DeployResult): string {
	const plan = result.events.find(event => event.type === 'plan');
	let log = '';
	try {
		log = readFileSync(String(plan?.['logFile']), 'utf8').split('\n').slice(-80).join('\n');
	} catch {
		// no log yet
	}
	return `${result.stderr}\n${result.events.filter(event => event.type === 'step-end' && event.state === 'failed').map(event => JSON.stringify(event)).join('\n')}\n${log}`;
}

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

beforeAll(async () => {
	harness = await startSshHosts(3, {prefix: 'azd'});
	const root = mkdtempSync(path.join(os.tmpdir(), 'ampzero-deploy-trio-'));
	const home = path.join(root, 'home');
	mkdirSync(home, {mode: 0o700});
	const checkout = makeReleaseCheckout(root);
	const init = await runAmpzero(['init', './trio', '--batch'], {home, cwd: root, timeoutMs: 60_000});
	if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
	const directory = path.join(root, 'trio');
	const file = path.join(directory, 'amprun.yaml');
	const document = yaml.load(readFileSync(file, 'utf8')) as Record<string, unknown>;
	document['hosts'] = [
		{name: 'alpha', address: host(0).address, keyspace: 0, logstore: true, zerodata: true},
		{name: 'beta', address: host(1).address, keyspace: 1, server: true},
		{name: 'gamma', address: host(2).address, keyspace: 2, server: true},
	];
	writeFileSync(file, yaml.dump(document));
	const clobber = await runAmpzero(['init', './trio', '--clobber', '--batch'], {home, cwd: root, timeoutMs: 60_000});
	if (clobber.code !== 0) throw new Error(`init --clobber failed: ${clobber.stderr}`);
	writeFileSync(path.join(directory, 'ampnode', 'services', 'notes.js'), notesService);
	const ampnodeYaml = path.join(directory, 'ampnode', 'ampnode.yaml');
	writeFileSync(ampnodeYaml, readFileSync(ampnodeYaml, 'utf8').replace('services:\n', 'services:\n  - services/notes.js\n'));
	const deployment = path.join(directory, 'deployment.yaml');
	writeFileSync(
		deployment,
		readFileSync(deployment, 'utf8').replace(
			'hosts: []',
			`hosts:\n${harness.hosts.map(each => `  - host: ${each.target}\n`).join('')}ssh:\n  identity_files: [${harness.identityFile}]\n  known_hosts: ${harness.knownHostsFile}\n  agent: false\n`,
		),
	);
	git(directory, 'add', '-A');
	git(directory, 'commit', '-q', '-m', 'three hosts, a notes service');
	config = await loadInstanceConfig(directory);
	fixture = {root, home, checkout, instance: {directory, config, home, root, cleanup: async () => {}}, configFile: deployment, hostsYaml: () => '', writeConfig: () => {}, cleanup: async () => rmSync(root, {recursive: true, force: true})};
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
		expect(result.code, why(result)).toBe(0);
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

	it('the note and the login survive a second deploy and a rollback', async () => {
		changeInstanceFile(fixture!, 'second release of trio');
		const second = await deployTrio();
		expect(second.code, why(second)).toBe(0);
		// The same session, after every keyspace member stopped and started again.
		expect(await note(2, cookie)).toBe('before the deploys');
		const back = await deployTrio(['--rollback']);
		expect(back.code, why(back)).toBe(0);
		expect(await note(1, cookie)).toBe('before the deploys');
		// The access record of the save, written to alpha's logstore before both deploys, is still there.
		expect(await accessPaths()).toContain('/note/save');
	}, 600_000);
});
