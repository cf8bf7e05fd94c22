import {spawn} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {httpsStatus} from '../../services/deploy/health.js';
import {changeInstanceFile, deploy, makeDeployFixture, whyDeployFailed, type DeployFixture} from '../helpers/deploy-fixture.js';
import {ampzeroBin} from '../helpers/instance.js';
import {startSshHosts, type SshTestHost, type SshTestHosts} from '../helpers/ssh-hosts.js';
import {TmuxSession, tmuxKeys} from '../helpers/tmux.js';

let harness: SshTestHosts | undefined;
let fixture: DeployFixture | undefined;

beforeAll(async () => {
	harness = await startSshHosts(3);
	fixture = await makeDeployFixture(harness);
	// The deploy is this file's set-up, not what it tests (deploy.test.ts does): one that fails is said in
	// full, then tried once more, so that the fleet's own tests still run and the failure is on record.
	const first = await deploy(fixture);
	if (first.code === 0) return;
	console.warn(`the first deploy failed; trying it once more:\n${whyDeployFailed(first)}`);
	const again = await deploy(fixture);
	if (again.code !== 0) throw new Error(`the first deploy failed twice: ${whyDeployFailed(again)}`);
}, 540_000);

afterAll(async () => {
	await harness?.cleanup();
	await fixture?.cleanup();
}, 60_000);

interface Fleet {
	code: number;
	stdout: string;
	stderr: string;
	records: Array<Record<string, any>>;
}

/** `ampzero fleet INSTANCE ARGS… --config … --batch`, as a user scripts it. */
function fleet(args: string[], options: {json?: boolean; timeoutMs?: number} = {}): Promise<Fleet> {
	return new Promise(resolve => {
		const child = spawn(process.execPath, [ampzeroBin, 'fleet', fixture!.instance.directory, '--config', fixture!.configFile, '--batch', ...(options.json ? ['--json'] : []), ...args], {
			env: {...process.env, AMPZERO_HOME: fixture!.home, CI: 'true'},
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', chunk => (stdout += String(chunk)));
		child.stderr.on('data', chunk => (stderr += String(chunk)));
		const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
		child.on('close', code => {
			clearTimeout(timer);
			const records = options.json ? stdout.split('\n').filter(line => line.startsWith('{')).map(line => JSON.parse(line) as Record<string, any>) : [];
			resolve({code: code ?? 1, stdout, stderr, records});
		});
	});
}

/** A long-running `fleet` command whose output is watched as it comes. */
function fleetFollowing(args: string[]) {
	const child = spawn(process.execPath, [ampzeroBin, 'fleet', fixture!.instance.directory, '--config', fixture!.configFile, '--batch', ...args], {
		env: {...process.env, AMPZERO_HOME: fixture!.home, CI: 'true'},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', chunk => (stdout += String(chunk)));
	child.stderr.on('data', chunk => (stderr += String(chunk)));
	const exited = new Promise<number | null>(resolve => child.on('close', resolve));
	const waitFor = async (test: (stdout: string) => boolean, what: string, timeoutMs = 30_000): Promise<void> => {
		const deadline = Date.now() + timeoutMs;
		while (!test(stdout)) {
			if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stdout:\n${stdout.slice(-3000)}\nstderr:\n${stderr}`);
			await new Promise(resolve => setTimeout(resolve, 100));
		}
	};
	return {child, exited, waitFor, output: () => stdout};
}

const label = (host: SshTestHost): string => host.address;
const https = (host: SshTestHost, urlPath: string) => httpsStatus(host.address, fixture!.instance.config.ports.frontend, urlPath, 5000);
const logFile = (host: SshTestHost, daemon: string): string => path.join(host.optDirectory, 'ampzero', 'var', fixture!.instance.config.name, 'logs', `${daemon}.log`);

describe('ampzero fleet over three SSH hosts', () => {
	it('exec runs a command in the instance release on every host; one failing host makes exit 1 and the summary names it', async () => {
		const failing = harness!.hosts[1]!;
		const result = await fleet(['exec', '--', `test -e amprun.yaml && hostname && test "$(hostname)" != ${failing.name}`]);
		expect(result.code, result.stderr).toBe(1);
		for (const host of harness!.hosts) expect(result.stdout, result.stderr).toMatch(new RegExp(`^${label(host).replaceAll('.', '\\.')}\\s+\\| ${host.name}$`, 'm'));
		expect(result.stdout).toMatch(new RegExp(`${label(failing).replaceAll('.', '\\.')}\\s+exit 1`));
		expect(result.stdout).toContain(`failed on 1 of 3 hosts: ${label(failing)}`);
		const ok = await fleet(['exec', '--', 'pwd'], {json: true});
		expect(ok.code).toBe(0);
		expect(ok.records.filter(record => record.type === 'output').map(record => record.line)).toEqual(['/opt/ampzero/dist/instance', '/opt/ampzero/dist/instance', '/opt/ampzero/dist/instance']);
		// Several words are a command and its arguments, each kept as given (not joined into one script).
		const words = await fleet(['exec', '--', 'sh', '-c', `echo "a   b"; test "$(hostname)" != ${failing.name}`]);
		expect(words.code).toBe(1);
		expect(words.stdout.match(/\| a {3}b$/gm)).toHaveLength(3);
		expect(words.stdout).toContain(`failed on 1 of 3 hosts: ${label(failing)}`);
	}, 120_000);

	it('logs merges every host\'s tail in time order and --follow prints new lines from each host, prefixed by it', async () => {
		const tail = await fleet(['logs', 'ampnode', '--tail', '3']);
		expect(tail.code, tail.stderr).toBe(0);
		const lines = tail.stdout.trim().split('\n');
		expect(lines.length).toBe(9);
		const times = lines.map(line => Date.parse(line.split(' | ')[1]!.split(' ')[0]!));
		expect(times.every(Number.isFinite)).toBe(true);
		expect([...times].sort((a, b) => a - b)).toEqual(times);

		const following = fleetFollowing(['logs', 'ampnode', '--tail', '1', '--follow']);
		await following.waitFor(out => out.trim().split('\n').length >= 3, 'the tails');
		for (const host of harness!.hosts) await host.exec(['sh', '-c', `echo "marker from ${host.name}" >> ${logFile(host, 'ampnode').replace(host.optDirectory, '/opt')}`]);
		await following.waitFor(out => harness!.hosts.every(host => out.includes(`| marker from ${host.name}`)), 'the markers');
		for (const host of harness!.hosts) expect(following.output()).toMatch(new RegExp(`^${label(host).replaceAll('.', '\\.')}\\s+\\| marker from ${host.name}$`, 'm'));
		following.child.kill('SIGINT');
		expect(await following.exited).toBe(0);
	}, 120_000);

	it('watch streams each host\'s supervisor events with a host field; a killed daemon shows restarted; a dropped host is unreachable, then back', async () => {
		const child = spawn(process.execPath, [ampzeroBin, 'fleet', fixture!.instance.directory, '--config', fixture!.configFile, '--batch', '--json'], {
			env: {...process.env, AMPZERO_HOME: fixture!.home, CI: 'true'},
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const records: Array<Record<string, any>> = [];
		let buffered = '';
		child.stdout.on('data', chunk => {
			buffered += String(chunk);
			const lines = buffered.split('\n');
			buffered = lines.pop()!;
			for (const line of lines) if (line.startsWith('{')) records.push(JSON.parse(line) as Record<string, any>);
		});
		const exited = new Promise<number | null>(resolve => child.on('close', resolve));
		const waitFor = async (test: () => boolean, what: string, timeoutMs = 30_000): Promise<void> => {
			const deadline = Date.now() + timeoutMs;
			while (!test()) {
				if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${records.slice(-20).map(record => `${record.host} ${record.type} ${record.link ?? record.daemon?.name ?? ''}`).join(', ')}`);
				await new Promise(resolve => setTimeout(resolve, 100));
			}
		};
		try {
			await waitFor(() => harness!.hosts.every(host => records.some(record => record.type === 'snapshot' && record.host === label(host))), 'a snapshot from every host');
			const snapshotOf = (host: SshTestHost) => records.find(record => record.type === 'snapshot' && record.host === label(host))!;
			for (const host of harness!.hosts) {
				expect(records.find(record => record.type === 'host-link' && record.host === label(host) && record.link === 'connected')?.release).toMatch(/^ampify-[0-9a-f]{10} instance-[0-9a-f]{10}$/);
				expect(snapshotOf(host).info.loginUrl).toBeUndefined();
			}
			const second = harness!.hosts[1]!;
			const ampnode = snapshotOf(second).daemons.find((daemon: {name: string}) => daemon.name === 'ampnode');
			expect(ampnode.state).toBe('ready');
			await second.exec(['kill', '-KILL', String(ampnode.pid)]);
			await waitFor(() => records.some(record => record.type === 'daemon-state' && record.host === label(second) && record.daemon.name === 'ampnode' && record.daemon.state === 'ready' && record.daemon.restarts === ampnode.restarts + 1), 'ampnode restarted on the second host');
			expect(records.filter(record => record.type === 'daemon-state' && record.host !== label(second) && record.daemon.name === 'ampnode')).toEqual([]);

			const third = harness!.hosts[2]!;
			const seen = records.length;
			try {
				third.dropSshSessions();
				await third.stopSshd();
				await waitFor(() => records.slice(seen).some(record => record.type === 'host-link' && record.host === label(third) && record.link === 'unreachable'), 'the third host unreachable');
			} finally {
				await third.startSshd();
			}
			await waitFor(() => records.slice(seen).some(record => record.type === 'snapshot' && record.host === label(third)), 'the third host back', 60_000);
		} finally {
			child.kill('SIGTERM');
		}
		expect(await exited).toBe(0);
	}, 180_000);

	it('the fleet view in a terminal (tmux, 80×24): stop and restart a daemon on host 2, the list and log follow; a host whose sshd stops is unreachable, then back', async () => {
		const quote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;
		const tmux = await TmuxSession.start('env -u CI -u NO_COLOR PS1="shell$ " TERM=xterm-256color bash --norc --noprofile', {columns: 80, rows: 24});
		const second = harness!.hosts[1]!;
		const third = harness!.hosts[2]!;
		const escaped = (host: SshTestHost): string => label(host).replaceAll('.', '\\.');
		/** The list's row of a daemon under the selected host: marker, symbol, name, state, restarts. */
		const selectedRow = (screen: string): string | undefined => /^│›\s+(\S) (\S+)\s+(\S+)\s+(\d+)\s*│/m.exec(screen)?.slice(1).join(' ');
		try {
			await tmux.waitFor('shell$');
			await tmux.type(`AMPZERO_HOME=${quote(fixture!.home)} ${quote(ampzeroBin)} fleet ${quote(fixture!.instance.directory)} --config ${quote(fixture!.configFile)}`);
			await tmux.sendKeys(tmuxKeys.enter);
			const ready = await tmux.waitFor(/3\/3 hosts connected\s+✓ all 21 ready/, 60_000);
			expect(await tmux.inAlternateScreen()).toBe(true);
			expect(ready).toMatch(/^release ampify-[0-9a-f]{10} instance-[0-9a-f]{10} on all 3 hosts/m);
			// At 80×24 the list shows the first hosts; the third is below them.
			for (const host of harness!.hosts.slice(0, 2)) expect(ready).toMatch(new RegExp(`│  ● ${escaped(host)}\\s`));

			// Tab: the second host's first daemon; five down: its ampnode.
			await tmux.sendKeys(tmuxKeys.tab);
			await tmux.waitFor(new RegExp(` host ${escaped(second)}`));
			await tmux.type('jjjjj');
			const selected = await tmux.waitFor(/│ampnode · pid \d+/);
			expect(selectedRow(selected)).toMatch(/^✓ ampnode ready \d+$/);
			const pidBefore = /│ampnode · pid (\d+)/.exec(selected)![1];

			await tmux.type('s');
			await tmux.waitFor(`Stopping ampnode on ${label(second)}…`);
			await tmux.waitFor(/│›\s+■ ampnode\s+stopped/, 30_000);
			// Only the second host's ampnode stopped: the third host's, listed below it, still runs (the first host is scrolled above at 80×24).
			expect((await tmux.capture()).match(/✓ ampnode\s+ready/g)).toHaveLength(1);
			await tmux.type('r');
			await tmux.waitFor(`Starting ampnode on ${label(second)}…`);
			const restarted = await tmux.waitFor(/│›\s+✓ ampnode\s+ready/, 30_000);
			const pidAfter = /│ampnode · pid (\d+)/.exec(await tmux.waitFor(/│ampnode · pid \d+/))![1];
			expect(pidAfter).not.toBe(pidBefore);
			// The log pane shows the new process's lines, not "(no output yet)".
			await tmux.waitFor(/│ampnode · pid \d+[^\n]*\n│[^(\n][^\n]*\n/);
			expect(restarted).toContain('3/3 hosts connected');

			try {
				third.dropSshSessions();
				await third.stopSshd();
				await tmux.waitFor(new RegExp(`│  ✗ ${escaped(third)} unreachable`), 30_000);
				await tmux.waitFor(/2\/3 hosts connected · 1 unreachable/);
				// Its daemons stay listed as it last reported them, marked unknown.
				expect(await tmux.capture()).toMatch(/│ {4}\? keyspace/);
			} finally {
				await third.startSshd();
			}
			await tmux.waitFor(/3\/3 hosts connected\s+✓ all 21 ready/, 60_000);

			await tmux.type('q');
			const left = await tmux.waitFor(/^shell\$\s*$/m, 15_000);
			expect(left).toContain('Left the fleet view of kickass: every host keeps running.');
		} finally {
			await tmux.kill();
		}
	}, 180_000);

	it('maintenance on puts the placeholder up on every host and holds the lock (a deploy is refused); off brings 200 back', async () => {
		const on = await fleet(['maintenance', 'on']);
		expect(on.code, on.stdout + on.stderr).toBe(0);
		for (const host of harness!.hosts) {
			expect((await https(host, '/index.html')).status).toBe(503);
			expect(JSON.parse(readFileSync(path.join(host.optDirectory, 'ampzero', 'dist', 'lock-file'), 'utf8')).kind).toBe('maintenance');
		}
		changeInstanceFile(fixture!, 'during maintenance');
		const refused = await deploy(fixture!);
		expect(refused.code).toBe(1);
		expect(refused.events.find(event => event.type === 'step-end' && event.step === 'lock' && event.state === 'failed')?.error).toMatch(/maintenance by/);
		for (const host of harness!.hosts) expect((await https(host, '/index.html')).status).toBe(503);
		expect(refused.stdout + refused.stderr).toContain(`ampzero fleet ${fixture!.instance.config.name} maintenance off`);
		// Asked again, maintenance stays on: not an error, and the lock stays the first one's.
		const lockBefore = readFileSync(path.join(harness!.hosts[0]!.optDirectory, 'ampzero', 'dist', 'lock-file'), 'utf8');
		const again = await fleet(['maintenance', 'on']);
		expect(again.code, again.stdout + again.stderr).toBe(0);
		expect(again.stdout.match(/already in maintenance since/g)).toHaveLength(3);
		expect(readFileSync(path.join(harness!.hosts[0]!.optDirectory, 'ampzero', 'dist', 'lock-file'), 'utf8')).toBe(lockBefore);

		const off = await fleet(['maintenance', 'off']);
		expect(off.code, off.stdout + off.stderr).toBe(0);
		for (const host of harness!.hosts) {
			expect((await https(host, '/index.html')).status).toBe(200);
			expect(existsSync(path.join(host.optDirectory, 'ampzero', 'dist', 'lock-file'))).toBe(false);
		}
	}, 240_000);

	it('history lists every deploy and rollback per host, newest first, and marks a host whose history disagrees', async () => {
		// The deploy refused under maintenance above touched no host; the change it carried goes to one host now.
		const first = harness!.hosts[0]!;
		const partial = await deploy(fixture!, ['--host', first.target]);
		expect(partial.code, partial.stderr).toBe(0);
		const rollback = await deploy(fixture!, ['--rollback', '--host', first.target]);
		expect(rollback.code, rollback.stderr).toBe(0);
		fixture!.writeConfig('', {[harness!.hosts[2]!.target]: 'pre_update: exit 3'});
		const failed = await deploy(fixture!);
		fixture!.writeConfig();
		expect(failed.code).toBe(1);

		const result = await fleet(['history'], {json: true});
		expect(result.code, result.stderr).toBe(0);
		const byHost = new Map(result.records.map(record => [record.host, record]));
		const ids = (host: SshTestHost): string[] => byHost.get(label(host))!.records.map((record: {deployId: string}) => record.deployId);
		const planOf = (run: {events: Array<Record<string, any>>}): string => run.events.find(event => event.type === 'plan')!.deploy;
		const firstDeploy = ids(harness!.hosts[1]!).at(-1)!;
		expect(ids(first)).toEqual([planOf(failed), planOf(rollback), planOf(partial), firstDeploy]);
		for (const host of harness!.hosts.slice(1)) expect(ids(host)).toEqual([planOf(failed), firstDeploy]);
		const newest = byHost.get(label(harness!.hosts[2]!))!.records[0];
		expect(newest.result).toBe('failed');
		expect(byHost.get(label(first))!.records[0].result).toBe('rolled-back');
		expect(byHost.get(label(first))!.records[1]).toMatchObject({kind: 'rollback', result: 'done'});
		expect(byHost.get(label(first))!.records[2].after.instance).not.toBe(byHost.get(label(first))!.records[2].before.instance);
		expect(byHost.get(label(first))!.disagrees).toBeUndefined();
		for (const host of harness!.hosts.slice(1)) {
			expect(byHost.get(label(host))!.disagrees).toMatch(/^no record of /);
			expect(byHost.get(label(host))!.disagrees).toContain(planOf(partial));
		}

		const plain = await fleet(['history']);
		expect(plain.stdout).toMatch(/! disagrees: no record of/);
	}, 480_000);
});
