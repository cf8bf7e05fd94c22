import {spawn} from 'node:child_process';
import {copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync} from 'node:fs';
import https_ from 'node:https';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {httpsStatus} from '../../services/deploy/health.js';
import {daemonUser} from '../../services/daemons/daemon-user.js';
import {ampzeroDeploy, changeInstanceFile, deploy, git, makeDeployFixture, whyDeployFailed, type DeployFixture} from '../helpers/deploy-fixture.js';
import {startSshHosts, type SshTestHosts} from '../helpers/ssh-hosts.js';
import {TmuxSession} from '../helpers/tmux.js';

let harness: SshTestHosts | undefined;
let fixture: DeployFixture | undefined;

beforeAll(async () => {
	harness = await startSshHosts(3);
	fixture = await makeDeployFixture(harness);
}, 120_000);

afterAll(async () => {
	await harness?.cleanup();
	await fixture?.cleanup();
}, 60_000);

function https(host: {address: string}, urlPath = '/health'): Promise<{status?: number; error?: string}> {
	return httpsStatus(host.address, fixture!.instance.config.ports.frontend, urlPath, 5000);
}

function distOf(host: {optDirectory: string}): string {
	return path.join(host.optDirectory, 'ampzero', 'dist');
}

function currentOf(host: {optDirectory: string}): string {
	return readFileSync(path.join(distOf(host), '.current'), 'utf8');
}

/** The instance's static page as a host serves it. */
function page(host: {address: string}): Promise<string> {
	return new Promise((resolve, reject) => {
		https_
			.get({host: host.address, port: fixture!.instance.config.ports.frontend, path: '/index.html', rejectUnauthorized: false, agent: false}, response => {
				let body = '';
				response.on('data', chunk => (body += String(chunk)));
				response.on('end', () => resolve(`${response.statusCode} ${body}`));
			})
			.on('error', reject);
	});
}

function stepEnds(events: Array<Record<string, any>>, step: string): Array<Record<string, any>> {
	return events.filter(event => event.type === 'step-end' && event.step === step);
}

describe('ampzero deploy to three SSH hosts', () => {
	it('the README flow: init --batch, the hosts into deployment.yaml, commit, deploy; every host serves HTTPS on its address', async () => {
		const instanceConfig = path.join(fixture!.instance.directory, 'deployment.yaml');
		const example = readFileSync(instanceConfig, 'utf8');
		expect(example).toContain('hosts: []');
		writeFileSync(
			instanceConfig,
			example.replace('hosts: []', `${fixture!.hostsYaml()}ssh:\n  identity_files: [${harness!.identityFile}]\n  known_hosts: ${harness!.knownHostsFile}\n  agent: false\n`),
		);
		git(fixture!.instance.directory, 'commit', '-q', '-am', 'the hosts to deploy to');
		const result = await ampzeroDeploy(fixture!, ['./kickass', '--batch', '--json']);
		expect(result.code, whyDeployFailed(result)).toBe(0);
		const plan = result.events.find(event => event.type === 'plan')!;
		expect(plan.hosts.map((host: {transfer: string}) => host.transfer)).toEqual(['full', 'full', 'full']);
		// What the deploy built, step by step, before the first host showed.
		const built = result.events.slice(0, result.events.indexOf(plan)).filter(event => event.type === 'build' && event.state === 'ok').map(event => String(event.what).replace(/^\S+: /, ''));
		expect(built).toEqual(expect.arrayContaining(['archive', 'build', 'production modules', 'tarball']));
		for (const host of harness!.hosts) {
			const dist = path.join(host.optDirectory, 'ampzero', 'dist');
			expect(readlinkSync(path.join(dist, 'ampify'))).toBe(plan.ampifyRelease);
			expect(readlinkSync(path.join(dist, 'instance'))).toBe(plan.instanceRelease);
			expect(readFileSync(path.join(dist, '.current'), 'utf8')).toBe(`${plan.ampifyRelease}\n${plan.instanceRelease}\n`);
			expect(existsSync(path.join(dist, 'lock-file'))).toBe(false);
			expect(lstatSync(path.join(dist, 'patches')).isDirectory()).toBe(true);
			expect(existsSync(path.join(host.optDirectory, 'ampzero', 'var'))).toBe(true);
			// From this machine, as a client: the host's own address, the frontend port init chose.
			expect((await https(host)).status).toBe(200);
			expect((await https(host, '/index.html')).status).toBe(200);
		}
		// The one-time login link each host's `run --batch` prints is in neither the output nor the log.
		const log = readFileSync(String(plan.logFile), 'utf8');
		expect(log).toContain('token=(hidden)');
		for (const text of [result.stdout, log]) expect(text).not.toMatch(/token=(?!\(hidden\))/);
	}, 240_000);

	it('on every host the instance is private: 0750/0640 for the daemons\' group where they read, 0600 for other secrets, no CA key, user private key or other host\'s key', async () => {
		const user = daemonUser()!;
		const plan = currentOf(harness!.hosts[0]!).split('\n');
		const instanceRelease = plan[1]!;
		for (const host of harness!.hosts) {
			// Every file of the deploy's tree on the host, with its mode and owner, as the host lists it.
			const listing = await host.exec(['find', '/opt/ampzero', '-printf', '%y %m %u:%g %P\\n']);
			expect(listing.code, listing.stderr).toBe(0);
			const files = new Map(
				listing.stdout
					.split('\n')
					.filter(Boolean)
					.map(line => {
						const [type, mode, owner, ...rest] = line.split(' ');
						return [rest.join(' '), {mode: mode!, owner: owner!, link: type === 'l'}] as const;
					}),
			);
			const seen = (file: string): string => `${file}: ${JSON.stringify(files.get(file))}\n${listing.stdout}`;
			const release = `dist/${instanceRelease}`;
			expect(files.get(release), seen(release)).toEqual({mode: '750', owner: `root:${user.group}`, link: false});
			// Nothing of the instance release is open to others (a symlink's own mode means nothing).
			for (const [file, {mode, link}] of files) if (file.startsWith(`${release}/`) && !link) expect(Number.parseInt(mode, 8) & 0o007, seen(file)).toBe(0);
			const {hostId, userId} = fixture!.instance.config;
			for (const file of ['amprun.yaml', 'ampnode/redis.conf', `ampnode/host-${hostId}.private.key`]) expect(files.get(`${release}/${file}`), seen(`${release}/${file}`)).toEqual({mode: '640', owner: `root:${user.group}`, link: false});
			expect(files.get(`${release}/nginx/server.key`)?.mode, seen(`${release}/nginx/server.key`)).toBe('600');
			// Only the user's public key reaches a host: its private key (it signs the members file) stays on the
			// machine that ran init, like the CA's key and the control keys; no host's TLS key travels either.
			expect(files.get(`${release}/ampnode/user-${userId}.public.key`)?.link, seen(`${release}/ampnode/user-${userId}.public.key`)).toBe(false);
			const secretsOfOthers = [...files.keys()].filter(file => /(^|\/)(user-\d+\.private\.key|[^/]+\.control\.key|ca\.key)$/.test(file) || /\/tls\/hosts\/[^/]+\.key$/.test(file));
			// The single-machine keyspace's own credential, made by this host's run: its key the daemons' user's, its CA key gone.
			const keyspaceKey = `var/${fixture!.instance.config.name}/tls/hosts/local.key`;
			expect(files.get(keyspaceKey), seen(keyspaceKey)).toEqual({mode: '600', owner: `${user.name}:${user.group}`, link: false});
			expect(secretsOfOthers.filter(file => file !== keyspaceKey), listing.stdout).toEqual([]);
			expect(files.get(`var/${fixture!.instance.config.name}/tls`)?.mode).toBe('700');
			expect(files.get('dist/patches')?.mode).toBe('700');
			expect(files.get('var/deploy')?.mode).toBe('700');
		}
	}, 60_000);

	it('refuses a host whose key is not in known_hosts, before changing anything', async () => {
		const empty = path.join(fixture!.root, 'empty_known_hosts');
		writeFileSync(empty, '');
		const config = readFileSync(fixture!.configFile, 'utf8');
		writeFileSync(fixture!.configFile, config.replace(`known_hosts: ${harness!.knownHostsFile}`, `known_hosts: ${empty}`));
		try {
			const result = await deploy(fixture!);
			expect(result.code).toBe(1);
			const errors = stepEnds(result.events, 'connect').map(end => end.error);
			expect(errors).toHaveLength(3);
			for (const error of errors) expect(error).toMatch(/host key|known_hosts/i);
			expect(result.events.some(event => event.type === 'step-start' && event.step === 'lock')).toBe(false);
		} finally {
			writeFileSync(fixture!.configFile, config);
		}
	}, 120_000);

	it('a one-file change goes out as patches; a copy that does not land whole on a host\'s disk is caught by its sha256 and sent again', async () => {
		const [first] = harness!.hosts;
		const before = currentOf(first!);
		changeInstanceFile(fixture!, 'second release');
		// The first host's disk loses the patch as it arrives: the file it is received into is a link to
		// /dev/null there. The check against its sha256 removes the link; the copy sent again lands whole.
		const release = `instance-${git(fixture!.instance.directory, 'rev-parse', 'HEAD').trim().slice(0, 10)}`;
		const received = path.join(distOf(first!), 'patches', `${before.split('\n')[1]}--${release}.patch.zst.part`);
		symlinkSync('/dev/null', received);
		const result = await deploy(fixture!);
		expect(result.code, whyDeployFailed(result)).toBe(0);
		const plan = result.events.find(event => event.type === 'plan')!;
		expect(plan.instanceRelease).toBe(release);
		expect(existsSync(received)).toBe(false);
		expect(plan.hosts.map((host: {transfer: string}) => host.transfer)).toEqual(['patch', 'patch', 'patch']);
		for (const end of stepEnds(result.events, 'transfer')) expect(end.bytes).toBeLessThan(20_000);
		const resent = result.events.filter(event => event.type === 'output' && event.line.includes('sending it once more'));
		expect(resent.map(event => event.host)).toEqual([first!.target]);
		for (const host of harness!.hosts) {
			expect(currentOf(host)).toBe(`${plan.ampifyRelease}\n${plan.instanceRelease}\n`);
			expect(readFileSync(path.join(distOf(host), '.previous'), 'utf8')).toBe(before);
			expect(await page(host)).toContain('second release');
		}
	}, 240_000);

	it('a pre_update that fails on one host leaves all three on the old release, serving', async () => {
		const before = harness!.hosts.map(currentOf);
		fixture!.writeConfig('', {[harness!.hosts[1]!.target]: 'pre_update: echo refusing; exit 3'});
		changeInstanceFile(fixture!, 'never served');
		try {
			const result = await deploy(fixture!);
			expect(result.code).toBe(1);
			expect(stepEnds(result.events, 'pre-update').filter(end => end.state === 'failed').map(end => end.host)).toEqual([harness!.hosts[1]!.target]);
			expect(result.events.some(event => event.type === 'step-start' && event.step === 'switch')).toBe(false);
			const plan = result.events.find(event => event.type === 'plan')!;
			for (const [index, host] of harness!.hosts.entries()) {
				expect(currentOf(host)).toBe(before[index]);
				expect(existsSync(path.join(distOf(host), plan.instanceRelease))).toBe(false);
				expect(existsSync(path.join(distOf(host), 'lock-file'))).toBe(false);
				const text = await page(host);
				expect(text).toContain('second release');
				expect(text).not.toContain('never served');
			}
		} finally {
			fixture!.writeConfig();
		}
	}, 240_000);

	it('a failed health check switches every host back; a host whose old release cannot start again is reported rollback-failed (exit 3)', async () => {
		const before = harness!.hosts.map(currentOf);
		// The new release's frontend listens on loopback only: its own readiness check passes, the deploy's from outside cannot.
		const file = path.join(fixture!.instance.directory, 'amprun.yaml');
		writeFileSync(file, `${readFileSync(file, 'utf8')}frontend_address: 127.0.0.1\n`);
		git(fixture!.instance.directory, 'commit', '-q', '-am', 'frontend on loopback only');
		// While the new release is checked, the old one on the first host is damaged: its restart in the rollback fails.
		const broken = [...harness!.hosts].sort((a, b) => a.target.localeCompare(b.target))[0]!;
		const oldConfig = path.join(distOf(broken), currentOf(broken).split('\n')[1]!, 'amprun.yaml');
		const intact = readFileSync(oldConfig, 'utf8');
		let damaged = false;
		try {
			const result = await deploy(fixture!, [], {}, 240_000, event => {
				if (!damaged && event.type === 'step-start' && event.step === 'health-check') {
					damaged = true;
					writeFileSync(oldConfig, `${intact}broken: [\n`);
				}
			});
			expect(damaged).toBe(true);
			expect(result.code, whyDeployFailed(result)).toBe(3);
			expect(stepEnds(result.events, 'switch').every(end => end.state === 'ok'), whyDeployFailed(result)).toBe(true);
			expect(stepEnds(result.events, 'health-check').some(end => end.state === 'failed'), whyDeployFailed(result)).toBe(true);
			const end = result.events.at(-1)!;
			expect(end).toMatchObject({type: 'end', ok: false, state: 'rollback-failed'});
			expect(end.error).toMatch(new RegExp(`the rollback failed on ${broken.target.replace(/[.[\]]/g, '\\$&')} .*deploy kickass status`));
			expect(end.hosts.find((host: {host: string}) => host.host === broken.target)).toMatchObject({state: 'rollback-failed'});
			expect(result.events.some(event => event.type === 'host-state' && event.host === broken.target && event.state === 'rollback-failed')).toBe(true);
			for (const [index, host] of harness!.hosts.entries()) {
				expect(currentOf(host)).toBe(before[index]);
				expect(existsSync(path.join(distOf(host), 'lock-file'))).toBe(false);
				if (host === broken) continue;
				expect(end.hosts.find((each: {host: string}) => each.host === host.target).state).toMatch(/^(failed|rolled-back)$/);
				expect((await https(host)).status).toBe(200);
				expect(await page(host)).toContain('second release');
			}
		} finally {
			writeFileSync(oldConfig, intact);
		}
	}, 240_000);

	it('two deploys racing: the loser stops at the lock and changes nothing; a stale lock is named; --force-unlock removes only that', async () => {
		git(fixture!.instance.directory, 'reset', '-q', '--hard', 'HEAD~1');
		changeInstanceFile(fixture!, 'third release');
		let loser: Promise<Awaited<ReturnType<typeof deploy>>> | undefined;
		const winner = await deploy(fixture!, [], {}, 240_000, event => {
			if (!loser && event.type === 'step-start' && event.step === 'transfer') loser = deploy(fixture!, ['--force-unlock']);
		});
		expect(winner.code, whyDeployFailed(winner)).toBe(0);
		const lost = await loser!;
		expect(lost.code).toBe(1);
		expect(stepEnds(lost.events, 'lock').find(end => end.state === 'failed')?.error).toMatch(/locked by .* \(pid \d+ on /);
		expect(lost.events.filter(event => event.type === 'step-start').map(event => event.step)).not.toContain('transfer');
		expect(lost.events.filter(event => event.type === 'output' && /rollback:/.test(event.line))).toEqual([]);
		for (const host of harness!.hosts) expect(await page(host)).toContain('third release');

		const lockFile = path.join(distOf(harness!.hosts[2]!), 'lock-file');
		const gone = spawn('true');
		await new Promise(resolve => gone.once('exit', resolve));
		writeFileSync(lockFile, `${JSON.stringify({deployId: 'other', who: 'someone@elsewhere', host: os.hostname(), pid: gone.pid, when: new Date().toISOString(), version: 'ampify-0123456789 instance-0123456789'})}\n`);
		changeInstanceFile(fixture!, 'third release, forced');
		const stale = await deploy(fixture!);
		expect(stale.code).toBe(1);
		expect(stepEnds(stale.events, 'lock').find(end => end.state === 'failed')?.error).toMatch(/stale lock: someone@elsewhere .* --force-unlock/);
		expect(existsSync(lockFile)).toBe(true);
		const forced = await deploy(fixture!, ['--force-unlock']);
		expect(forced.code, whyDeployFailed(forced)).toBe(0);
		expect(existsSync(lockFile)).toBe(false);
		for (const host of harness!.hosts) expect(await page(host)).toContain('third release, forced');
	}, 400_000);

	it('--dry-run prints the plan and changes nothing; --host deploys to the named host only', async () => {
		const others = harness!.hosts.slice(1).map(currentOf);
		const all = harness!.hosts.map(currentOf);
		changeInstanceFile(fixture!, 'fourth release');
		// deployment.yaml as the README writes it: ~/.ssh/… paths, in the home of whoever deploys.
		const userHome = path.join(fixture!.root, 'user-home');
		mkdirSync(path.join(userHome, '.ssh'), {recursive: true, mode: 0o700});
		copyFileSync(harness!.identityFile, path.join(userHome, '.ssh', 'id_ed25519'));
		copyFileSync(harness!.knownHostsFile, path.join(userHome, '.ssh', 'known_hosts'));
		const tildeConfig = path.join(fixture!.root, 'tilde.yaml');
		const tilde = (knownHosts: string): void =>
			writeFileSync(tildeConfig, `${fixture!.hostsYaml()}ssh:\n  identity_files: [~/.ssh/id_ed25519]\n  known_hosts: ${knownHosts}\n  agent: false\n`);
		tilde('~/.ssh/no_such_known_hosts');
		const missing = await ampzeroDeploy(fixture!, [fixture!.instance.directory, '--config', tildeConfig, '--dry-run', '--batch', '--json'], {HOME: userHome});
		expect(missing.code).toBe(1);
		expect(missing.stderr).toContain(`${tildeConfig}:${fixture!.hostsYaml().split('\n').length + 2}: ssh.known_hosts names ${path.join(userHome, '.ssh', 'no_such_known_hosts')}, which does not exist`);
		expect(missing.events).toEqual([]);
		tilde('~/.ssh/known_hosts');
		const dry = await ampzeroDeploy(fixture!, [fixture!.instance.directory, '--config', tildeConfig, '--dry-run', '--batch', '--json'], {HOME: userHome});
		expect(dry.code, whyDeployFailed(dry)).toBe(0);
		const dryPlan = dry.events.find(event => event.type === 'plan')!;
		expect(dryPlan.hosts.map((host: {transfer: string}) => host.transfer)).toEqual(['patch', 'patch', 'patch']);
		expect(dry.events.some(event => event.type === 'step-start')).toBe(false);
		expect(harness!.hosts.map(currentOf)).toEqual(all);
		for (const host of harness!.hosts) expect(existsSync(path.join(distOf(host), dryPlan.instanceRelease))).toBe(false);
		const result = await deploy(fixture!, ['--host', harness!.hosts[0]!.target]);
		expect(result.code, whyDeployFailed(result)).toBe(0);
		expect(result.events.find(event => event.type === 'plan')!.hosts.map((host: {host: string}) => host.host)).toEqual([harness!.hosts[0]!.target]);
		expect(await page(harness!.hosts[0]!)).toContain('fourth release');
		for (const [index, host] of harness!.hosts.slice(1).entries()) {
			expect(currentOf(host)).toBe(others[index]);
			expect(await page(host)).not.toContain('fourth release');
		}
	}, 240_000);

	it('--rollback switches every host to its previous release; status shows what each runs', async () => {
		const previous = harness!.hosts.map(host => readFileSync(path.join(distOf(host), '.previous'), 'utf8'));
		const current = harness!.hosts.map(currentOf);
		const result = await deploy(fixture!, ['--rollback']);
		expect(result.code, whyDeployFailed(result)).toBe(0);
		for (const [index, host] of harness!.hosts.entries()) {
			expect(currentOf(host)).toBe(previous[index]);
			expect(readFileSync(path.join(distOf(host), '.previous'), 'utf8')).toBe(current[index]);
			expect((await https(host)).status).toBe(200);
		}
		expect(await page(harness!.hosts[0]!)).toContain('third release');
		const status = await deploy(fixture!, ['status']);
		expect(status.code, status.stderr).toBe(0);
		const reports = status.events.filter(event => event.type === 'host-status');
		expect(reports.map(report => report.host)).toEqual(harness!.hosts.map(host => host.target).sort());
		for (const report of reports) expect(report).toMatchObject({https: 'HTTP 200', running: true});
		expect(reports.map(report => `${report.release.replace(' ', '\n')}\n`)).toEqual([...harness!.hosts].sort((a, b) => a.target.localeCompare(b.target)).map(currentOf));
		// Hosts named by ~/.ssh/config aliases: the HTTPS check goes where the connection went (HostName), not to the alias.
		const aliases = path.join(fixture!.root, 'aliases.yaml');
		writeFileSync(aliases, `hosts:\n${harness!.hosts.map(host => `  - root@${host.name}\n`).join('')}ssh:\n  config_file: ${harness!.sshConfigFile}\n  known_hosts: ${harness!.knownHostsFile}\n  agent: false\n`);
		const byAlias = await ampzeroDeploy(fixture!, [fixture!.instance.directory, 'status', '--config', aliases, '--batch', '--json']);
		expect(byAlias.code, byAlias.stderr).toBe(0);
		const aliasReports = byAlias.events.filter(event => event.type === 'host-status');
		expect(aliasReports.map(report => report.host)).toEqual(harness!.hosts.map(host => `root@${host.name}`).sort());
		for (const report of aliasReports) expect(report).toMatchObject({https: 'HTTP 200', running: true});
	}, 240_000);

	it('SIGINT during the deploy stops it and leaves every host on its old release, serving', async () => {
		const before = harness!.hosts.map(currentOf);
		changeInstanceFile(fixture!, 'interrupted release');
		let sent = false;
		const result = await deploy(fixture!, [], {}, 240_000, (event, child) => {
			if (!sent && event.type === 'step-start' && event.step === 'stop-old') {
				sent = true;
				child.kill('SIGINT');
			}
		});
		expect(sent).toBe(true);
		expect(result.code).toBe(1);
		expect(result.events.at(-1)).toMatchObject({type: 'end', ok: false, state: 'aborted'});
		for (const [index, host] of harness!.hosts.entries()) {
			expect(currentOf(host)).toBe(before[index]);
			expect(existsSync(path.join(distOf(host), 'lock-file'))).toBe(false);
			expect((await https(host)).status).toBe(200);
			expect(await page(host)).not.toContain('interrupted release');
		}
	}, 240_000);

	it('the deploy screen in tmux at 80×24 shows the three hosts at their steps, then the summary; q leaves with exit 0', async () => {
		changeInstanceFile(fixture!, 'release watched on the screen');
		const quote = (word: string): string => `'${word.replaceAll("'", "'\\''")}'`;
		const command = [process.execPath, fixture!.bin, 'deploy', fixture!.instance.directory, '--config', fixture!.configFile].map(quote).join(' ');
		const screen = await TmuxSession.start(
			`env -u CI AMPZERO_HOME=${quote(fixture!.home)} ${command}; echo "ampzero exited with $?"`,
			{columns: 80, rows: 24},
		);
		try {
			const during = await screen.waitFor(/step \d+\/19/, 60_000);
			for (const host of harness!.hosts) expect(during).toContain(host.target);
			expect(await screen.inAlternateScreen()).toBe(true);
			const summary = await screen.waitFor(/deployed/, 200_000);
			for (const host of harness!.hosts) expect(summary).toContain(host.target);
			for (const line of summary.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
			await screen.sendKeys('q');
			await screen.waitFor('ampzero exited with 0', 15_000);
			for (const host of harness!.hosts) expect(await page(host)).toContain('release watched on the screen');
		} finally {
			await screen.kill();
		}
	}, 300_000);
});
