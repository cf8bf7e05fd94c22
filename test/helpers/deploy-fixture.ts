import {execFileSync, spawn} from 'node:child_process';
import {appendFileSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import {loadInstanceConfig} from '../../services/config/amprun.js';
import {checkoutDirectory, runAmpzero, type TestInstance} from './instance.js';
import type {SshTestHosts} from './ssh-hosts.js';

const gitIdentity = ['-c', 'user.name=ampzero test', '-c', 'user.email=test@localhost', '-c', 'commit.gpgsign=false'];

export function git(directory: string, ...args: string[]): string {
	return execFileSync('git', ['-C', directory, ...gitIdentity, ...args], {encoding: 'utf8'});
}

/**
 * A clean ampzero checkout to release, as a user has one: this work tree's files (tracked and new, not
 * ignored) committed in a temp repository, with node_modules linked in (the release build needs it, git
 * ignores it) and this work tree's build copied in (git ignores dist/ too). Its own bin/ampzero deploys
 * it: the ampify release is the checkout ampzero runs from.
 */
function makeReleaseCheckout(parent: string): string {
	const built = path.join(checkoutDirectory, 'dist');
	if (!existsSync(path.join(built, 'source', 'cli.js'))) throw new Error(`${built} is missing: run \`npm run build\` before the deploy tests`);
	const directory = path.join(parent, 'ampzero');
	mkdirSync(directory, {recursive: true});
	const files = execFileSync('git', ['-C', checkoutDirectory, 'ls-files', '-co', '--exclude-standard', '-z'], {encoding: 'utf8'}).split('\0').filter(Boolean);
	for (const file of files) {
		const source = path.join(checkoutDirectory, file);
		try {
			mkdirSync(path.dirname(path.join(directory, file)), {recursive: true});
			copyFileSync(source, path.join(directory, file));
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
		}
	}
	execFileSync('git', ['-C', directory, 'init', '-q']);
	git(directory, 'add', '-A');
	git(directory, 'commit', '-q', '-m', 'release');
	symlinkSync(path.join(checkoutDirectory, 'node_modules'), path.join(directory, 'node_modules'));
	appendFileSync(path.join(directory, '.git', 'info', 'exclude'), 'node_modules\n');
	// The build only (not the compiled tests and benches), copied: a link would make ampzero find this work tree as its checkout.
	const testBuilds = new Set(['test', 'bench'].map(folder => path.join(built, folder)));
	cpSync(built, path.join(directory, 'dist'), {recursive: true, filter: source => !testBuilds.has(source)});
	return directory;
}

export interface DeployFixture {
	/** The temp directory the user works in: `ampzero init ./kickass` ran here. */
	root: string;
	home: string;
	checkout: string;
	/** The checkout's bin/ampzero: what runs `ampzero deploy`, so that checkout is the one released. */
	bin: string;
	instance: TestInstance;
	/** A deployment.yaml outside the instance (`--config`), so tests can change it without a commit. */
	configFile: string;
	/** The hosts part of deployment.yaml, as the README shows it. */
	hostsYaml(hostOptions?: Record<string, string>): string;
	writeConfig(extra?: string, hostOptions?: Record<string, string>): void;
	cleanup(): Promise<void>;
}

/**
 * What a user does first, as the README says it: `ampzero init ./kickass --batch` in a fresh directory
 * (every default: ports, loopback frontend), a clean ampzero checkout to release, and a deployment.yaml
 * for the hosts kept outside the instance for the tests that change it (`--config`). The instance's own
 * deployment.yaml is still init's example: the README flow test fills it in and commits it.
 */
export async function makeDeployFixture(harness: SshTestHosts, name = 'kickass'): Promise<DeployFixture> {
	const root = mkdtempSync(path.join(os.tmpdir(), 'ampzero-deploy-'));
	const home = path.join(root, 'home');
	mkdirSync(home, {mode: 0o700});
	const checkout = makeReleaseCheckout(root);
	const init = await runAmpzero(['init', `./${name}`, '--batch'], {home, cwd: root, timeoutMs: 60_000});
	if (init.code !== 0) throw new Error(`ampzero init ./${name} --batch exited ${init.code}:\n${init.stderr}${init.stdout}`);
	const directory = path.join(root, name);
	const instance: TestInstance = {directory, config: await loadInstanceConfig(directory), home, root, cleanup: async () => {}};
	const configFile = path.join(root, 'deployment.yaml');
	const hostsYaml = (hostOptions: Record<string, string> = {}): string =>
		`hosts:\n${harness.hosts.map(host => `  - host: ${host.target}\n${hostOptions[host.target] ? `    ${hostOptions[host.target]}\n` : ''}`).join('')}`;
	const writeConfig = (extra = '', hostOptions: Record<string, string> = {}): void => {
		writeFileSync(
			configFile,
			`${hostsYaml(hostOptions)}ssh:\n  identity_files: [${harness.identityFile}]\n  known_hosts: ${harness.knownHostsFile}\n  agent: false\n  config_file: /dev/null\nstep_timeout_seconds: 90\nhealth_timeout_seconds: 20\n${extra}`,
		);
	};
	writeConfig();
	return {
		root,
		home,
		checkout,
		bin: path.join(checkout, 'bin', 'ampzero'),
		instance,
		configFile,
		hostsYaml,
		writeConfig,
		cleanup: async () => {
			rmSync(root, {recursive: true, force: true});
		},
	};
}

/** A notes service: a note saved per signed-in user in zerodata, read back on any frontend. */
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

/**
 * One instance over three SSH hosts, as the README's "One instance over several hosts" says: hosts: in
 * amprun.yaml (alpha: keyspace-0, logstore, zerodata; beta and gamma: server hosts with keyspace-1 and
 * -2), `init --clobber`, a notes service, and the instance's own deployment.yaml naming the hosts by
 * address, committed. `configFile` is that deployment.yaml. Hosts past the third (the deploy bench's scale
 * rounds) join as server hosts without a keyspace member: host-4, host-5 …
 */
export async function makeTrioFixture(harness: SshTestHosts): Promise<DeployFixture> {
	const [alpha, beta, gamma, ...more] = harness.hosts;
	if (!alpha || !beta || !gamma) throw new Error('a three-host instance needs three hosts');
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
		{name: 'alpha', address: alpha.address, keyspace: 0, logstore: true, zerodata: true},
		{name: 'beta', address: beta.address, keyspace: 1, server: true},
		{name: 'gamma', address: gamma.address, keyspace: 2, server: true},
		...more.map((host, index) => ({name: `host-${index + 4}`, address: host.address, server: true})),
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
	const config = await loadInstanceConfig(directory);
	return {
		root,
		home,
		checkout,
		bin: path.join(checkout, 'bin', 'ampzero'),
		instance: {directory, config, home, root, cleanup: async () => {}},
		configFile: deployment,
		hostsYaml: () => '',
		writeConfig: () => {},
		cleanup: async () => rmSync(root, {recursive: true, force: true}),
	};
}

export interface DeployResult {
	code: number;
	stdout: string;
	stderr: string;
	events: Array<Record<string, any>>;
}

/** `ampzero deploy <instance> --config … --batch --json …` with the fixture's home, from its checkout; `onEvent` may signal the process. */
export function deploy(fixture: DeployFixture, args: string[] = [], env: NodeJS.ProcessEnv = {}, timeoutMs = 240_000, onEvent?: (event: Record<string, any>, child: ReturnType<typeof spawn>) => void): Promise<DeployResult> {
	return ampzeroDeploy(fixture, [fixture.instance.directory, '--config', fixture.configFile, '--batch', '--json', ...args], env, timeoutMs, onEvent);
}

/** `ampzero deploy ARGS…` exactly as given, run in the fixture's directory (where `./kickass` is), with its home, from its checkout. */
export function ampzeroDeploy(fixture: DeployFixture, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 240_000, onEvent?: (event: Record<string, any>, child: ReturnType<typeof spawn>) => void): Promise<DeployResult> {
	return new Promise(resolve => {
		const child = spawn(process.execPath, [fixture.bin, 'deploy', ...args], {
			cwd: fixture.root,
			env: {...process.env, AMPZERO_HOME: fixture.home, CI: 'true', ...env},
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		let seen = 0;
		child.stdout.on('data', chunk => {
			stdout += String(chunk);
			const lines = stdout.split('\n');
			for (const line of lines.slice(seen, -1)) if (line.startsWith('{')) onEvent?.(JSON.parse(line) as Record<string, any>, child);
			seen = lines.length - 1;
		});
		child.stderr.on('data', chunk => (stderr += String(chunk)));
		const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
		child.on('close', code => {
			clearTimeout(timer);
			const events = stdout
				.split('\n')
				.filter(line => line.startsWith('{'))
				.map(line => JSON.parse(line) as Record<string, any>);
			resolve({code: code ?? 1, stdout, stderr, events});
		});
	});
}

/**
 * What a failed deploy said (its `--json` events): the exit code, stderr, each failed step with every line
 * that step printed on its host, the end event, and the tail of its log file (when it got that far).
 */
export function whyDeployFailed(result: DeployResult): string {
	const plan = result.events.find(event => event.type === 'plan');
	let log = '';
	try {
		log = readFileSync(String(plan?.['logFile']), 'utf8').split('\n').slice(-80).join('\n');
	} catch {
		// no log file: the deploy ended before it made one
	}
	const failedSteps = result.events.filter(event => event.type === 'step-end' && event['state'] === 'failed');
	const said = failedSteps.map(failed => {
		const lines = result.events.filter(event => event.type === 'output' && event['host'] === failed['host'] && event['step'] === failed['step']);
		return [JSON.stringify(failed), ...lines.map(event => `  ${String(event['line'])}`)].join('\n');
	});
	const end = result.events.find(event => event.type === 'end');
	return `exit ${result.code}\n${result.stderr}\n${said.join('\n')}\n${end ? JSON.stringify(end) : ''}\n${log}`;
}

/** Commits a change to one file of the instance (its home page template). */
export function changeInstanceFile(fixture: DeployFixture, text: string): void {
	const file = path.join(fixture.instance.directory, 'nginx', 'www', 'index.html');
	writeFileSync(file, readFileSync(file, 'utf8').replace(/<\/body>/, `<p>${text}</p></body>`));
	git(fixture.instance.directory, 'commit', '-q', '-am', `change: ${text}`);
}

;
