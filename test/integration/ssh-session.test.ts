import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {createHash, randomBytes} from 'node:crypto';
import net from 'node:net';
import {copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {Readable} from 'node:stream';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {AmpError} from '../../services/errors.js';
import {openSshSession, type SshSession, type SshSettings} from '../../services/ssh/session.js';
import {startSshHosts, type SshTestHost, type SshTestHosts} from '../helpers/ssh-hosts.js';

let harness: SshTestHosts;
let hosts: [SshTestHost, SshTestHost, SshTestHost];
let scratch: string;
const sessions: SshSession[] = [];

function fingerprintOf(publicKeyFile: string): string {
	return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyFile], {encoding: 'utf8'}).split(' ')[1]!;
}

function settings(extra: SshSettings = {}): SshSettings {
	return {identityFiles: [harness.identityFile], agent: false, knownHostsFile: harness.knownHostsFile, sshConfigFile: path.join(scratch, 'no-config'), connectTimeoutMs: 10_000, ...extra};
}

async function open(target: string, extra: SshSettings = {}): Promise<SshSession> {
	const session = await openSshSession(target, settings(extra));
	sessions.push(session);
	return session;
}

async function refusal(target: string, extra: SshSettings): Promise<AmpError> {
	const error = await open(target, extra).then(
		() => undefined,
		(caught: unknown) => caught,
	);
	expect(error).toBeInstanceOf(AmpError);
	return error as AmpError;
}

beforeAll(async () => {
	harness = await startSshHosts(3);
	hosts = harness.hosts as typeof hosts;
	scratch = mkdtempSync(path.join(tmpdir(), 'ampzero-ssh-session-'));
}, 60_000);

afterEach(() => {
	for (const session of sessions.splice(0)) session.close();
});

afterAll(async () => {
	await harness?.cleanup();
	if (scratch) rmSync(scratch, {recursive: true, force: true});
});

describe('commands over an SSH session', () => {
	it('returns stdout, stderr and the exit code, and streams lines as they come', async () => {
		const session = await open(hosts[0].target);
		const stdoutLines: string[] = [];
		const stderrLines: string[] = [];
		const result = await session.exec('echo one; echo "two  words"; echo oops >&2; printf tail; exit 3', {
			onStdoutLine: line => stdoutLines.push(line),
			onStderrLine: line => stderrLines.push(line),
		});
		expect(result).toEqual({code: 3, stdout: 'one\ntwo  words\ntail', stderr: 'oops\n'});
		expect(stdoutLines).toEqual(['one', 'two  words', 'tail']);
		expect(stderrLines).toEqual(['oops']);
		// The one connection serves more commands, and each runs on that host.
		expect((await session.exec('hostname')).stdout).toBe(`${hosts[0].name}\n`);
		expect((await session.exec("printf '%s' \"it's\"")).stdout).toBe("it's");
	});

	it('pipes a few MB of stdin through unchanged, from a Buffer and from a stream', async () => {
		const session = await open(hosts[1].target);
		const data = randomBytes(4 * 1024 * 1024 + 17);
		const expected = `${createHash('sha256').update(data).digest('hex')}  -\n`;
		expect((await session.exec('sha256sum', {stdin: data})).stdout).toBe(expected);
		const chunks = Array.from({length: 64}, (_, index) => data.subarray(index * 65_537, (index + 1) * 65_537));
		const rest = data.subarray(64 * 65_537);
		expect((await session.exec('sha256sum', {stdin: Readable.from([...chunks, rest])})).stdout).toBe(expected);
	});

	it('runs more commands at once than sshd allows channels, queueing the rest', async () => {
		const session = await open(hosts[0].target);
		const results = await Promise.all(Array.from({length: 40}, (_, index) => session.exec(`sleep 0.${index % 3}; echo ${index}`)));
		expect(results.map(result => result.stdout)).toEqual(Array.from({length: 40}, (_, index) => `${index}\n`));
	});

	it('stops a command that runs past its timeout, and everything it started, then goes on', async () => {
		const session = await open(hosts[2].target);
		const started = Date.now();
		const error = await session.exec('sleep 317 & sleep 318; echo never', {timeoutMs: 1000}).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(AmpError);
		expect((error as Error).message).toMatch(/'sleep 317 & sleep 318; echo never' on root@10\.199\.\d+\.\d+ did not finish within 1s/);
		expect(Date.now() - started).toBeLessThan(5000);
		const left = await hosts[2].exec(['pgrep', '-f', 'sleep 31[78]']);
		expect(left.stdout).toBe('');
		expect((await session.exec('echo still here')).stdout).toBe('still here\n');
	});

	it('stops a command when its AbortSignal fires', async () => {
		const session = await open(hosts[2].target);
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 300);
		await expect(session.exec('sleep 319', {signal: controller.signal})).rejects.toThrow(/'sleep 319' on .* was aborted/);
		expect((await hosts[2].exec(['pgrep', '-f', 'sleep 319'])).stdout).toBe('');
	});
});

describe('host keys', () => {
	it('refuses a host whose key is not in known_hosts, naming the host and its fingerprint', async () => {
		const empty = path.join(scratch, 'known_hosts.empty');
		writeFileSync(empty, '');
		const error = await refusal(hosts[0].target, {knownHostsFile: empty});
		expect(error.message).toContain(`the host key of root@${hosts[0].address} is not in ${empty}`);
		expect(error.message).toContain(`ssh-ed25519 ${fingerprintOf(hosts[0].hostPublicKeyFile)}`);
		expect(error.message).toMatch(/accept-new/);
		expect(readFileSync(empty, 'utf8')).toBe('');
	});

	it('with accept-new, adds an unknown host key to known_hosts and then checks against it', async () => {
		const file = path.join(scratch, 'fresh', 'known_hosts');
		const session = await open(hosts[1].target, {knownHostsFile: file, strictHostKeyChecking: 'accept-new'});
		expect((await session.exec('hostname')).stdout).toBe(`${hosts[1].name}\n`);
		const publicKey = readFileSync(hosts[1].hostPublicKeyFile, 'utf8').split(' ').slice(0, 2).join(' ');
		expect(readFileSync(file, 'utf8')).toBe(`${hosts[1].address} ${publicKey}\n`);
		expect(execFileSync('stat', ['-c', '%a', file, path.dirname(file)], {encoding: 'utf8'})).toBe('600\n700\n');
		// Now on file: checked strictly, and OpenSSH agrees with what was written.
		await open(hosts[1].target, {knownHostsFile: file});
		expect(execFileSync('ssh-keygen', ['-F', hosts[1].address, '-f', file], {encoding: 'utf8'})).toContain(publicKey);
	});

	it('always refuses a changed host key, naming both fingerprints', async () => {
		const file = path.join(scratch, 'known_hosts.changed');
		const otherKey = readFileSync(hosts[1].hostPublicKeyFile, 'utf8').split(' ').slice(0, 2).join(' ');
		writeFileSync(file, `# a comment\n${hosts[0].address} ${otherKey}\n`);
		for (const strictHostKeyChecking of ['yes', 'accept-new'] as const) {
			const error = await refusal(hosts[0].target, {knownHostsFile: file, strictHostKeyChecking});
			expect(error.message).toContain(`the host key of root@${hosts[0].address} has CHANGED`);
			expect(error.message).toContain(`it now offers ssh-ed25519 ${fingerprintOf(hosts[0].hostPublicKeyFile)}`);
			expect(error.message).toContain(`lists ssh-ed25519 ${fingerprintOf(hosts[1].hostPublicKeyFile)} (${file}:2)`);
		}
		expect(readFileSync(file, 'utf8').split('\n').length).toBe(3);
	});

	it('accepts a hashed known_hosts entry', async () => {
		expect(readFileSync(harness.hashedKnownHostsFile, 'utf8')).toMatch(/^\|1\|/);
		const session = await open(hosts[2].target, {knownHostsFile: harness.hashedKnownHostsFile});
		expect((await session.exec('hostname')).stdout).toBe(`${hosts[2].name}\n`);
	});

	it('matches [host]:port entries for a host on another port, and not a port-22 entry', async () => {
		const other = await startSshHosts(1, {port: 2022});
		try {
			const [host] = other.hosts as [SshTestHost];
			expect(readFileSync(other.knownHostsFile, 'utf8')).toMatch(new RegExp(`^\\[${host.address.replaceAll('.', '\\.')}\\]:2022 ssh-ed25519 `));
			const session = await openSshSession(host.target, settings({identityFiles: [other.identityFile], knownHostsFile: other.knownHostsFile}));
			expect((await session.exec('cat /proc/sys/kernel/hostname')).stdout).toBe(`${host.name}\n`);
			session.close();
			const portless = path.join(scratch, 'known_hosts.portless');
			writeFileSync(portless, `${host.address} ${readFileSync(host.hostPublicKeyFile, 'utf8')}`);
			const error = await refusal(host.target, {identityFiles: [other.identityFile], knownHostsFile: portless});
			expect(error.message).toContain(`the host key of root@[${host.address}]:2022 is not in ${portless}`);
		} finally {
			await other.cleanup();
		}
	});
});

describe('~/.ssh/config and jump hosts', () => {
	it('follows a Host alias to its HostName, User, Port and IdentityFile', async () => {
		const key = path.join(scratch, 'config_key');
		copyFileSync(harness.identityFile, key);
		const config = path.join(scratch, 'ssh_config_alias');
		// As in OpenSSH, the first value found for a keyword wins: the specific Host before the catch-all.
		writeFileSync(config, [`Host web-two`, `  HostName ${hosts[2].address}`, `  User root`, `  Port 22`, `  IdentityFile ${key}`, `Host web-*`, `  User nobody`, `  Port 2222`, ''].join('\n'));
		const session = await open('web-two', {identityFiles: [], sshConfigFile: config});
		expect(session.resolved).toMatchObject({hostName: hosts[2].address, user: 'root', port: 22, identityFiles: [key]});
		expect((await session.exec('hostname')).stdout).toBe(`${hosts[2].name}\n`);
		// What the user wrote wins over the config: nobody@ is refused (no key of nobody's on file).
		const error = await refusal('nobody@web-two', {identityFiles: [], sshConfigFile: config});
		expect(error.message).toContain(`web-two (nobody@${hosts[2].address}) refused every key: tried ${key}`);
	});

	it('reaches a host through a ProxyJump host, checking both host keys', async () => {
		const config = path.join(scratch, 'ssh_config_jump');
		writeFileSync(config, [`Host behind`, `  HostName ${hosts[1].address}`, `  User root`, `  ProxyJump root@${hosts[0].address}`, ''].join('\n'));
		const session = await open('behind', {sshConfigFile: config});
		// sshd on host 1 sees the connection come from host 0, not from this machine.
		const [client] = (await session.exec('echo $SSH_CONNECTION')).stdout.split(' ');
		expect(client).toBe(hosts[0].address);
		expect((await session.exec('hostname')).stdout).toBe(`${hosts[1].name}\n`);

		// Two hops: through host 0, then host 1, to host 2.
		writeFileSync(config, [`Host far`, `  HostName ${hosts[2].address}`, `  ProxyJump root@${hosts[0].address},root@${hosts[1].address}`, ''].join('\n'), {flag: 'a'});
		const far = await open('root@far', {sshConfigFile: config});
		expect((await far.exec('echo $SSH_CONNECTION')).stdout.split(' ')[0]).toBe(hosts[1].address);
		expect((await far.exec('hostname')).stdout).toBe(`${hosts[2].name}\n`);

		const onlyJump = path.join(scratch, 'known_hosts.only-jump');
		writeFileSync(onlyJump, readFileSync(harness.knownHostsFile, 'utf8').split('\n').filter(line => line.startsWith(`${hosts[0].address} `)).join('\n') + '\n');
		const error = await refusal('behind', {sshConfigFile: config, knownHostsFile: onlyJump});
		expect(error.message).toContain(`the host key of behind (root@${hosts[1].address}) is not in ${onlyJump}`);
	});
});

describe('logging in', () => {
	let agent: ChildProcess | undefined;
	const savedSocket = process.env['SSH_AUTH_SOCK'];

	afterAll(() => {
		agent?.kill('SIGTERM');
		if (savedSocket === undefined) delete process.env['SSH_AUTH_SOCK'];
		else process.env['SSH_AUTH_SOCK'] = savedSocket;
	});

	it('logs in with a key held by a real ssh-agent', async () => {
		const socket = path.join(scratch, 'agent.sock');
		agent = spawn('ssh-agent', ['-D', '-a', socket], {stdio: 'ignore'});
		const deadline = Date.now() + 5000;
		while (!existsSync(socket) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20));
		execFileSync('ssh-add', ['-q', harness.identityFile], {env: {...process.env, SSH_AUTH_SOCK: socket}, stdio: 'ignore'});
		process.env['SSH_AUTH_SOCK'] = socket;
		const session = await open(hosts[0].target, {identityFiles: [], agent: true});
		expect((await session.exec('hostname')).stdout).toBe(`${hosts[0].name}\n`);
		// The same without the agent: nothing to offer, said plainly.
		const error = await refusal(hosts[0].target, {identityFiles: [], agent: false});
		expect(error.message).toMatch(/no key to log in to root@10\.199\.\d+\.\d+ with: no ssh-agent \(SSH_AUTH_SOCK not used\), no usable identity file/);
		// An agent that has gone away does not stand in the way of a key file.
		agent.kill('SIGTERM');
		await new Promise(resolve => agent!.once('exit', resolve));
		const withFile = await open(hosts[0].target, {agent: true});
		expect((await withFile.exec('hostname')).stdout).toBe(`${hosts[0].name}\n`);
		const dead = await refusal(hosts[0].target, {identityFiles: [], agent: true});
		expect(dead.message).toContain(`no usable identity file; no ssh-agent answers at SSH_AUTH_SOCK=${socket}`);
	});

	it('names every key tried when the host refuses them, and a passphrase-protected key', async () => {
		const stranger = path.join(scratch, 'stranger_key');
		const locked = path.join(scratch, 'locked_key');
		execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
		execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret words', '-f', locked]);
		const error = await refusal(hosts[0].target, {identityFiles: [stranger, locked]});
		expect(error.message).toContain(`root@${hosts[0].address} refused every key: tried ${stranger}`);
		expect(error.message).toContain(`${locked} is protected by a passphrase: add it to ssh-agent (ssh-add ${locked})`);
		const onlyLocked = await refusal(hosts[0].target, {identityFiles: [locked]});
		expect(onlyLocked.message).toContain(`${locked} is protected by a passphrase`);
	});

	it('says so when nothing listens, and when the host does not answer in time', async () => {
		await hosts[2].stopSshd();
		try {
			const refused = await refusal(hosts[2].target, {});
			expect(refused.message).toBe(`${hosts[2].address}:22 refused the connection: is sshd running there, on port 22?`);
			const config = path.join(scratch, 'ssh_config_jump_down');
			writeFileSync(config, [`Host down`, `  HostName ${hosts[2].address}`, `  User root`, `  ProxyJump root@${hosts[0].address}`, ''].join('\n'));
			const throughJump = await refusal('down', {sshConfigFile: config});
			expect(throughJump.message).toMatch(new RegExp(`^the jump host root@${hosts[0].address.replaceAll('.', '\\.')} could not reach ${hosts[2].address.replaceAll('.', '\\.')}:22: .*(refused|failure)`, 'i'));
		} finally {
			await hosts[2].startSshd();
		}
		// A server that accepts the connection and never says a word.
		const mute = net.createServer(() => undefined);
		await new Promise<void>(resolve => mute.listen(0, '127.0.0.1', resolve));
		const {port} = mute.address() as net.AddressInfo;
		const started = Date.now();
		try {
			const timedOut = await refusal(`root@127.0.0.1:${port}`, {connectTimeoutMs: 1500});
			expect(timedOut.message).toBe(`no SSH login to root@[127.0.0.1]:${port} within 2s: check the address, the port and any firewall`);
		} finally {
			mute.close();
		}
		expect(Date.now() - started).toBeLessThan(5000);
	});
});

describe('a connection that goes away', () => {
	it('fails the running command when the server side of the session dies', async () => {
		const session = await open(hosts[0].target);
		const running = session.exec('sleep 321').then(() => 'finished', (error: unknown) => error);
		await new Promise(resolve => setTimeout(resolve, 300));
		// This host's sessions only: a pkill here would see every sshd of the machine (the hosts share its pids) and cut other tests' deploys.
		hosts[0].dropSshSessions();
		expect(String(await running)).toMatch(/AmpError: the connection to root@10\.199\.\d+\.\d+ ended while 'sleep 321' ran/);
		await new Promise(resolve => setTimeout(resolve, 100));
		expect(session.open).toBe(false);
		await expect(session.exec('true')).rejects.toThrow(/is closed: cannot run true/);
		await hosts[0].exec(['pkill', '-KILL', '-f', 'sleep 321']);
	});

	it('notices a host that stops answering, through keepalives', async () => {
		const lonely = await startSshHosts(1);
		try {
			const [host] = lonely.hosts as [SshTestHost];
			const session = await openSshSession(host.target, settings({identityFiles: [lonely.identityFile], knownHostsFile: lonely.knownHostsFile, keepaliveIntervalMs: 300}));
			sessions.push(session);
			const running = session.exec('sleep 322').then(() => 'finished', (error: unknown) => error);
			await new Promise(resolve => setTimeout(resolve, 300));
			// Every packet to and from the host is now dropped.
			await host.exec(['ip', 'link', 'set', 'eth0', 'down']);
			const started = Date.now();
			expect(String(await running)).toMatch(/AmpError: the connection to root@10\.199\.\d+\.\d+ ended while 'sleep 322' ran \(Keepalive timeout\)/);
			expect(Date.now() - started).toBeLessThan(5000);
			expect(session.open).toBe(false);
		} finally {
			await lonely.cleanup();
		}
	});
});

