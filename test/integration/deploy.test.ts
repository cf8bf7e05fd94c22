import {spawn} from 'node:child_process';
import {existsSync, lstatSync, readFileSync, readlinkSync, writeFileSync} from 'node:fs';
import https_ from 'node:https';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {httpsStatus} from '../../services/deploy/health.js';
import {changeInstanceFile, deploy, git, makeDeployFixture, type DeployFixture} from '../helpers/deploy-fixture.js';
import {ampzeroBin} from '../helpers/instance.js';
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

/** What a failed deploy said: stderr, its last events and the last lines of its log file. */
function why(result: {stderr: string; events: Array<Record<string, any>>}): string {
	const plan = result.events.find(event => event.type === 'plan');
	let log = '';
	try {
		log = readFileSync(String(plan?.['logFile']), 'utf8').split('\n').slice(-60).join('\n');
	} catch {
		// no log file: the deploy ended before it made one
	}
	return `${result.stderr}\n${result.events.filter(event => event.type === 'step-end' && event.state === 'failed').map(event => JSON.stringify(event)).join('\n')}\n${log}`;
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
	it('first deploy: every host serves the new release over HTTPS, in the README layout, no lock left', async () => {
		const result = await deploy(fixture!);
		expect(result.code, why(result)).toBe(0);
		const plan = result.events.find(event => event.type === 'plan')!;
		expect(plan.hosts.map((host: {transfer: string}) => host.transfer)).toEqual(['full', 'full', 'full']);
		for (const host of harness!.hosts) {
			const dist = path.join(host.optDirectory, 'ampzero', 'dist');
			expect(readlinkSync(path.join(dist, 'ampify'))).toBe(plan.ampifyRelease);
			expect(readlinkSync(path.join(dist, 'instance'))).toBe(plan.instanceRelease);
			expect(readFileSync(path.join(dist, '.current'), 'utf8')).toBe(`${plan.ampifyRelease}\n${plan.instanceRelease}\n`);
			expect(existsSync(path.join(dist, 'lock-file'))).toBe(false);
			expect(lstatSync(path.join(dist, 'patches')).isDirectory()).toBe(true);
			expect(existsSync(path.join(host.optDirectory, 'ampzero', 'var'))).toBe(true);
			expect((await https(host)).status).toBe(200);
			expect((await https(host, '/index.html')).status).toBe(200);
		}
	}, 240_000);

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

	it('a one-file change goes out as patches; a corrupted copy is caught by its sha256 and sent again', async () => {
		const before = currentOf(harness!.hosts[0]!);
		changeInstanceFile(fixture!, 'second release');
		const result = await deploy(fixture!, [], {AMPZERO_DEPLOY_FAULT: `corrupt-transfer:${harness!.hosts[0]!.target}`});
		expect(result.code, why(result)).toBe(0);
		const plan = result.events.find(event => event.type === 'plan')!;
		expect(plan.hosts.map((host: {transfer: string}) => host.transfer)).toEqual(['patch', 'patch', 'patch']);
		for (const end of stepEnds(result.events, 'transfer')) expect(end.bytes).toBeLessThan(20_000);
		const resent = result.events.filter(event => event.type === 'output' && event.line.includes('sending it once more'));
		expect(resent.map(event => event.host)).toEqual([harness!.hosts[0]!.target]);
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

	it('a failed health check after the switch switches every host back and restarts the old release', async () => {
		const before = harness!.hosts.map(currentOf);
		// The new release's frontend listens on loopback only: its own readiness check passes, the deploy's from outside cannot.
		const file = path.join(fixture!.instance.directory, 'amprun.yaml');
		writeFileSync(file, readFileSync(file, 'utf8').replace('frontend_address: 0.0.0.0', 'frontend_address: 127.0.0.1'));
		git(fixture!.instance.directory, 'commit', '-q', '-am', 'frontend on loopback only');
		const result = await deploy(fixture!);
		expect(result.code).toBe(1);
		expect(stepEnds(result.events, 'switch').every(end => end.state === 'ok'), why(result)).toBe(true);
		expect(stepEnds(result.events, 'health-check').some(end => end.state === 'failed'), why(result)).toBe(true);
		expect(result.events.at(-1)).toMatchObject({type: 'end', ok: false, state: 'rolled-back'});
		for (const [index, host] of harness!.hosts.entries()) {
			expect(currentOf(host)).toBe(before[index]);
			expect(existsSync(path.join(distOf(host), 'lock-file'))).toBe(false);
			expect((await https(host)).status).toBe(200);
			expect(await page(host)).toContain('second release');
		}
	}, 240_000);

	it('refuses while another deploy holds a lock, names a stale one, and --force-unlock removes only that', async () => {
		const lockFile = path.join(distOf(harness!.hosts[2]!), 'lock-file');
		const holder = spawn('sleep', ['120'], {stdio: 'ignore'});
		const lock = (pid: number): string => `${JSON.stringify({deployId: 'other', who: 'someone@elsewhere', host: os.hostname(), pid, when: new Date().toISOString(), version: 'ampify-0123456789 instance-0123456789'})}\n`;
		try {
			writeFileSync(lockFile, lock(holder.pid!));
			const refused = await deploy(fixture!, ['--force-unlock']);
			expect(refused.code).toBe(1);
			expect(stepEnds(refused.events, 'lock').find(end => end.state === 'failed')?.error).toMatch(new RegExp(`locked by someone@elsewhere \\(pid ${holder.pid}`));
			for (const host of harness!.hosts.slice(0, 2)) expect(existsSync(path.join(distOf(host), 'lock-file'))).toBe(false);
			expect(existsSync(lockFile)).toBe(true);
		} finally {
			holder.kill();
		}
		await new Promise(resolve => holder.once('exit', resolve));
		const stale = await deploy(fixture!);
		expect(stale.code).toBe(1);
		expect(stepEnds(stale.events, 'lock').find(end => end.state === 'failed')?.error).toMatch(/stale lock: someone@elsewhere .* --force-unlock/);
		git(fixture!.instance.directory, 'reset', '-q', '--hard', 'HEAD~1');
		changeInstanceFile(fixture!, 'third release');
		const forced = await deploy(fixture!, ['--force-unlock']);
		expect(forced.code, why(forced)).toBe(0);
		expect(existsSync(lockFile)).toBe(false);
		for (const host of harness!.hosts) expect(await page(host)).toContain('third release');
	}, 300_000);

	it('--dry-run prints the plan and changes nothing; --host deploys to the named host only', async () => {
		const others = harness!.hosts.slice(1).map(currentOf);
		const all = harness!.hosts.map(currentOf);
		changeInstanceFile(fixture!, 'fourth release');
		const dry = await deploy(fixture!, ['--dry-run']);
		expect(dry.code, why(dry)).toBe(0);
		const dryPlan = dry.events.find(event => event.type === 'plan')!;
		expect(dryPlan.hosts.map((host: {transfer: string}) => host.transfer)).toEqual(['patch', 'patch', 'patch']);
		expect(dry.events.some(event => event.type === 'step-start')).toBe(false);
		expect(harness!.hosts.map(currentOf)).toEqual(all);
		for (const host of harness!.hosts) expect(existsSync(path.join(distOf(host), dryPlan.instanceRelease))).toBe(false);
		const result = await deploy(fixture!, ['--host', harness!.hosts[0]!.target]);
		expect(result.code, why(result)).toBe(0);
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
		expect(result.code, why(result)).toBe(0);
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
		const command = [process.execPath, ampzeroBin, 'deploy', fixture!.instance.directory, '--config', fixture!.configFile].map(quote).join(' ');
		const screen = await TmuxSession.start(
			`env -u CI AMPZERO_HOME=${quote(fixture!.home)} AMPZERO_DEPLOY_CHECKOUT=${quote(fixture!.checkout)} ${command}; echo "ampzero exited with $?"`,
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
