import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import net from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {checkoutDirectory, makeTestInstance, runAmpzero, type TestInstance} from '../helpers/instance.js';
import {freePorts} from '../helpers/ports.js';
import {endInstance, processesMentioning} from '../helpers/run-processes.js';

interface StatusRecord {
	type: string;
	name: string;
	state: string;
	pid: number | null;
}

let instance: TestInstance;
let sshDirectory: string;
let sshd: ChildProcess | undefined;
let sshPort: number;
const tmuxSocket = `ampzero-ssh-${process.pid}`;
const seenGroups = new Set<number>();

function tmux(...args: string[]): string {
	const env = {...process.env};
	delete env['CI'];
	return execFileSync('tmux', ['-L', tmuxSocket, ...args], {encoding: 'utf8', env, timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe']});
}

async function status(): Promise<{code: number; daemons: StatusRecord[]}> {
	const result = await runAmpzero(['run', instance.directory, 'status', '--json'], {home: instance.home, env: {CI: '1'}});
	const daemons = result.code === 0 ? result.stdout.trim().split('\n').map(line => JSON.parse(line) as StatusRecord).filter(record => record.type === 'daemon') : [];
	for (const daemon of daemons) if (daemon.pid) seenGroups.add(daemon.pid);
	return {code: result.code, daemons};
}

async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise(resolve => setTimeout(resolve, 200));
	}
}

function portAnswers(port: number): Promise<boolean> {
	return new Promise(resolve => {
		const socket = net.connect(port, '127.0.0.1');
		socket.once('connect', () => (socket.destroy(), resolve(true)));
		socket.once('error', () => resolve(false));
	});
}

beforeAll(async () => {
	instance = await makeTestInstance({name: 'sshrun'});
	sshDirectory = mkdtempSync(path.join(tmpdir(), 'ampzero-sshd-'));
	[sshPort] = (await freePorts(1)) as [number];
	const hostKey = path.join(sshDirectory, 'host_key');
	const clientKey = path.join(sshDirectory, 'client_key');
	execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
	execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', clientKey]);
	writeFileSync(path.join(sshDirectory, 'authorized_keys'), readFileSync(`${clientKey}.pub`));
	const config = [
		`ListenAddress 127.0.0.1`,
		`HostKey ${hostKey}`,
		`AuthorizedKeysFile ${path.join(sshDirectory, 'authorized_keys')}`,
		'PermitRootLogin yes',
		'PasswordAuthentication no',
		'UsePAM no',
		'StrictModes no',
		`PidFile ${path.join(sshDirectory, 'sshd.pid')}`,
	].join('\n');
	writeFileSync(path.join(sshDirectory, 'sshd_config'), `${config}\n`);
	// sshd refuses to start without its privilege-separation directory.
	mkdirSync('/run/sshd', {recursive: true});
	sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', path.join(sshDirectory, 'sshd_config'), '-p', String(sshPort)], {stdio: 'ignore'});
	await waitFor(() => portAnswers(sshPort), 'sshd to listen', 10_000);
}, 120_000);

afterAll(async () => {
	try {
		tmux('kill-server');
	} catch {
		// No tmux server left.
	}
	await endInstance(instance, seenGroups);
	sshd?.kill('SIGTERM');
	if (sshDirectory) rmSync(sshDirectory, {recursive: true, force: true});
}, 60_000);

describe('ampzero run over ssh -t', () => {
	it('keeps every daemon running when the SSH connection drops', async () => {
		const remote = `cd ${checkoutDirectory} && env -u CI AMPZERO_HOME=${instance.home} ${process.execPath} ./bin/ampzero run ${instance.directory} --no-nat-bypass --no-hub`;
		const ssh = [
			'ssh', '-t', '-i', path.join(sshDirectory, 'client_key'),
			'-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
			'-p', String(sshPort), 'root@127.0.0.1', remote,
		];
		tmux('new-session', '-d', '-s', 'run', '-x', '80', '-y', '24', `env -u CI ${ssh.map(word => `'${word.replaceAll("'", "'\\''")}'`).join(' ')}`);
		const sshPid = Number(tmux('list-panes', '-t', 'run', '-F', '#{pane_pid}').trim());

		await waitFor(async () => {
			const {code, daemons} = await status();
			return code === 0 && daemons.length === 7 && daemons.every(daemon => daemon.state === 'ready');
		}, 'every daemon to be ready', 60_000);
		// The dashboard is up on the far side of the connection, showing the daemons.
		await waitFor(() => tmux('capture-pane', '-p', '-t', 'run').includes('nginx'), 'the dashboard to show the daemons', 15_000);
		const before = (await status()).daemons;

		process.kill(sshPid, 'SIGKILL');
		await waitFor(() => processesMentioning(`${instance.directory} --no-nat-bypass`).length === 0, 'the dashboard process on the server to end', 15_000);
		await new Promise(resolve => setTimeout(resolve, 1000));

		const after = await status();
		expect(after.code).toBe(0);
		expect(after.daemons.map(daemon => [daemon.name, daemon.state, daemon.pid])).toEqual(before.map(daemon => [daemon.name, 'ready', daemon.pid]));

		const stop = await runAmpzero(['run', instance.directory, 'stop'], {home: instance.home, env: {CI: '1'}});
		expect(stop.code, stop.stderr).toBe(0);
		expect(processesMentioning(instance.root)).toEqual([]);
	});
});

