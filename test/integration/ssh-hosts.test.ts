import {execFile, execFileSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {removeLeftoverSshHosts, startSshHosts, type SshTestHost, type SshTestHosts} from '../helpers/ssh-hosts.js';
import {claimSubnet, claimsDirectory} from '../helpers/subnet-claims.js';
import {allPids, commandLine, isAlive, processStat} from '../../services/system/proc.js';

let harness: SshTestHosts | undefined;

function ssh(host: SshTestHost, knownHostsFile: string, command: string): Promise<{code: number; stdout: string; stderr: string}> {
	const args = [
		'-i', harness!.identityFile, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${knownHostsFile}`,
		'-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '-F', '/dev/null',
		'-p', String(host.port), `root@${host.address}`, command,
	];
	return new Promise(resolve => {
		execFile('ssh', args, {timeout: 20_000}, (error, stdout, stderr) =>
			resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr}),
		);
	});
}

function processesUnder(directory: string): number[] {
	return allPids().filter(pid => pid !== process.pid && (commandLine(pid) ?? []).some(part => part.includes(directory)));
}

beforeAll(async () => {
	harness = await startSshHosts(3);
	for (const host of harness.hosts) {
		writeFileSync(path.join(host.optDirectory, 'marker'), `opt of ${host.name}\n`);
		writeFileSync(path.join(host.homeDirectory, 'marker'), `home of ${host.name}\n`);
	}
});

afterAll(async () => {
	await harness?.cleanup();
});

describe('SSH test hosts in network namespaces', () => {
	it('each host answers OpenSSH with its own host name, /opt and /root, its key checked', async () => {
		const {hosts, knownHostsFile} = harness!;
		expect(new Set(hosts.map(host => host.address)).size).toBe(3);
		for (const host of hosts) {
			const result = await ssh(host, knownHostsFile, 'hostname; cat /opt/marker; cd && pwd && cat marker');
			expect(result.stderr).toBe('');
			expect(result.code).toBe(0);
			expect(result.stdout).toBe(`${host.name}\nopt of ${host.name}\n/root\nhome of ${host.name}\n`);
		}
	});

	it('checks host keys against the hashed known_hosts too, and refuses a host missing from it', async () => {
		const [first, second] = harness!.hosts as [SshTestHost, SshTestHost];
		expect((await ssh(first, harness!.hashedKnownHostsFile, 'true')).code).toBe(0);
		const onlyFirst = path.join(harness!.directory, 'known_hosts.first');
		writeFileSync(onlyFirst, execFileSync('ssh-keygen', ['-F', first.address, '-f', harness!.knownHostsFile], {encoding: 'utf8'}).split('\n').filter(line => line && !line.startsWith('#')).join('\n') + '\n');
		const refused = await ssh(second, onlyFirst, 'true');
		expect(refused.code).toBe(255);
		expect(refused.stderr).toMatch(/Host key verification failed/);
	});

	it('runs commands inside a host, which reaches the other hosts but sees only its own /opt', async () => {
		const [first, second] = harness!.hosts as [SshTestHost, SshTestHost];
		const inside = await first.exec(['sh', '-c', 'hostname; cat /opt/marker; ip -4 -o address show dev eth0']);
		expect(inside.code).toBe(0);
		expect(inside.stdout).toContain(`${first.name}\nopt of ${first.name}\n`);
		expect(inside.stdout).toContain(`${first.address}/30`);
		const reach = await first.exec(['bash', '-c', `exec 3<>/dev/tcp/${second.address}/${second.port} && head -c 7 <&3`]);
		expect(reach.stdout).toBe('SSH-2.0');
		expect((await first.exec(['false'])).code).toBe(1);
	});

	it('stops and starts a host\'s sshd', async () => {
		const [first] = harness!.hosts as [SshTestHost];
		await first.stopSshd();
		expect((await ssh(first, harness!.knownHostsFile, 'true')).code).toBe(255);
		await first.startSshd();
		expect((await ssh(first, harness!.knownHostsFile, 'cat /opt/marker')).stdout).toBe(`opt of ${first.name}\n`);
	});

	it('leaves no namespace, veth, process or directory after cleanup', async () => {
		const started = harness!;
		// A daemon left running in a login session must go too.
		await ssh(started.hosts[0]!, started.knownHostsFile, 'setsid sleep 600 </dev/null >/dev/null 2>&1 &');
		const inNamespaces = started.hosts.flatMap(host => execFileSync('ip', ['netns', 'pids', host.namespace], {encoding: 'utf8'}).split('\n').filter(Boolean).map(Number));
		expect(inNamespaces.length).toBeGreaterThanOrEqual(7);
		await started.cleanup();
		await started.cleanup();
		// Zombies are dead: their parent (this process, for sshd) reaps them later.
		expect(inNamespaces.filter(pid => isAlive(pid) && processStat(pid)?.state !== 'Z')).toEqual([]);
		const namespaces = execFileSync('ip', ['netns', 'list'], {encoding: 'utf8'});
		const links = execFileSync('ip', ['-o', 'link', 'show'], {encoding: 'utf8'});
		for (const host of started.hosts) {
			expect(namespaces.split('\n').map(line => line.split(' ')[0])).not.toContain(host.namespace);
			expect(links).not.toContain(`${host.namespace}@`);
		}
		expect(processesUnder(started.directory)).toEqual([]);
		expect(existsSync(started.directory)).toBe(false);
		harness = undefined;
	});
});

describe('leftovers of a harness whose process died', () => {
	it('are removed: its processes, namespace, veth, directory and claim', async () => {
		const gone = execFileSync('sh', ['-c', 'echo $$'], {encoding: 'utf8'}).trim();
		const directory = mkdtempSync(path.join(tmpdir(), 'ampzero-ssh-hosts-'));
		const claim = claimSubnet(subnet => ({namespaces: [`az${subnet}-0`], links: [`az${subnet}-0`], directories: [directory]}));
		const namespace = claim.namespaces[0]!;
		try {
			execFileSync('ip', ['netns', 'add', namespace]);
			execFileSync('ip', ['link', 'add', namespace, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', namespace]);
			mkdirSync(path.join(directory, 'opt'));
			execFileSync('sh', ['-c', `ip netns exec ${namespace} setsid sleep 600 </dev/null >/dev/null 2>&1 &`]);
			// The backgrounded `ip netns exec` enters the namespace a moment after the shell returns.
			let sleeper = 0;
			for (const deadline = Date.now() + 5000; sleeper === 0 && Date.now() < deadline; await new Promise(resolve => setTimeout(resolve, 20))) {
				sleeper = Number(execFileSync('ip', ['netns', 'pids', namespace], {encoding: 'utf8'}).trim().split('\n')[0] || 0);
			}
			expect(sleeper).toBeGreaterThan(0);
			// Now the claim names a process that has ended, as after a SIGKILLed test run.
			writeFileSync(path.join(claimsDirectory, `10.199.${claim.subnet}`), JSON.stringify({...claim, pid: Number(gone)}));

			removeLeftoverSshHosts();

			// Another harness starting meanwhile may be the one that removes them: wait for the outcome.
			const removed = () =>
				!execFileSync('ip', ['netns', 'list'], {encoding: 'utf8'}).split('\n').map(line => line.split(' ')[0]).includes(namespace) &&
				!execFileSync('ip', ['-o', 'link', 'show'], {encoding: 'utf8'}).includes(`${namespace}@`) &&
				!existsSync(directory) &&
				!existsSync(path.join(claimsDirectory, `10.199.${claim.subnet}`));
			const deadline = Date.now() + 10_000;
			while (!removed() && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 50));
			expect(removed()).toBe(true);
			expect(isAlive(sleeper) && processStat(sleeper)?.state !== 'Z').toBe(false);
		} finally {
			// Only while the subnet is still this test's: once released, another harness may hold it.
			const file = path.join(claimsDirectory, `10.199.${claim.subnet}`);
			const holder = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as {pid: number}).pid : undefined;
			if (holder === Number(gone) || holder === process.pid) {
				execFileSync('sh', ['-c', `ip netns pids ${namespace} 2>/dev/null | xargs -r kill -9; ip netns delete ${namespace} 2>/dev/null; ip link delete ${namespace} 2>/dev/null; rm -rf ${directory} ${file}; true`]);
			}
		}
	});
});
