import {X509Certificate} from 'node:crypto';
import {execFileSync} from 'node:child_process';
import {existsSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {makeTestInstance, runAmpzero, type TestInstance} from '../helpers/instance.js';

let instance: TestInstance;

const read = (relative: string): string => readFileSync(path.join(instance.directory, relative), 'utf8');
const mode = (relative: string): number => statSync(path.join(instance.directory, relative)).mode & 0o777;
const tracked = (): string[] => execFileSync('git', ['-C', instance.directory, 'ls-files'], {encoding: 'utf8'}).split('\n');

const topology = [
	{name: 'alpha', address: '10.1.0.1', keyspace: 0, logstore: true, zerodata: true},
	{name: 'beta', address: '10.1.0.2', keyspace: 1, server: true},
	{name: 'gamma', address: '10.1.0.3', keyspace: 2, server: true},
];

function addHosts(hosts: unknown[]): void {
	const file = path.join(instance.directory, 'amprun.yaml');
	writeFileSync(file, `${readFileSync(file, 'utf8')}${yaml.dump({hosts})}`);
}

beforeAll(async () => {
	instance = await makeTestInstance();
}, 60_000);

afterAll(async () => {
	await instance?.cleanup();
});

describe("the instance's own CA", () => {
	it('init makes a CA whose key is 0600 and stays out of the repository; no host certificates on one machine', () => {
		const authority = new X509Certificate(read('tls/ca.cert'));
		expect(authority.ca).toBe(true);
		expect(authority.subject).toContain('CA');
		expect(mode('tls/ca.key')).toBe(0o600);
		expect(tracked()).toContain('tls/ca.cert');
		expect(tracked()).not.toContain('tls/ca.key');
		expect(read('keyspace/keyspace-single.conf')).toContain('https://127.0.0.1:');
	});

	it('--clobber with hosts: keeps the CA, signs a certificate per host for its address, writes TLS cluster configs', async () => {
		const authorityBefore = read('tls/ca.cert');
		const keyBefore = read('tls/ca.key');
		addHosts(topology);
		const result = await runAmpzero(['init', instance.directory, '--clobber', '--batch'], {home: instance.home});
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		expect(read('tls/ca.cert')).toBe(authorityBefore);
		expect(read('tls/ca.key')).toBe(keyBefore);
		const authority = new X509Certificate(authorityBefore);
		for (const host of topology) {
			const certificate = new X509Certificate(read(`tls/hosts/${host.name}.cert`));
			expect(certificate.checkIssued(authority)).toBe(true);
			expect(certificate.verify(authority.publicKey)).toBe(true);
			expect(certificate.checkIP(host.address)).toBe(host.address);
			expect(certificate.checkIP('10.1.0.9')).toBeUndefined();
			expect(mode(`tls/hosts/${host.name}.key`)).toBe(0o600);
			expect(read(`nginx/nginx-${host.name}.conf`)).toContain(`listen ${host.address}:${instance.config.ports.frontend} ssl reuseport;`);
		}
		expect(tracked()).toEqual(expect.arrayContaining(['tls/hosts/beta.cert', 'tls/hosts/beta.key', 'nginx/nginx-beta.conf']));
		const member = yaml.load(read('keyspace/keyspace-1.conf')) as Record<string, unknown>;
		const {keyspaceClient: client, keyspacePeer: peer} = instance.config.ports;
		expect(member['listen-client-urls']).toBe(`https://10.1.0.2:${client}`);
		expect(member['listen-peer-urls']).toBe(`https://10.1.0.2:${peer}`);
		expect(member['initial-cluster']).toBe(`keyspace-0=https://10.1.0.1:${peer},keyspace-1=https://10.1.0.2:${peer},keyspace-2=https://10.1.0.3:${peer}`);
		for (const side of ['client-transport-security', 'peer-transport-security']) {
			expect(member[side]).toEqual({
				'cert-file': path.join(instance.directory, 'tls/hosts/beta.cert'),
				'key-file': path.join(instance.directory, 'tls/hosts/beta.key'),
				'trusted-ca-file': path.join(instance.directory, 'tls/ca.cert'),
				'client-cert-auth': true,
			});
		}
		// The topology is kept in amprun.yaml as written.
		expect(yaml.load(read('amprun.yaml'))).toMatchObject({hosts: topology});
	}, 60_000);

	it('a second --clobber keeps every certificate; a host whose address changed gets a new one', async () => {
		const before = Object.fromEntries(topology.map(host => [host.name, read(`tls/hosts/${host.name}.cert`)]));
		const file = path.join(instance.directory, 'amprun.yaml');
		writeFileSync(file, readFileSync(file, 'utf8').replace('10.1.0.3', '10.1.0.7'));
		const result = await runAmpzero(['init', instance.directory, '--clobber', '--batch'], {home: instance.home});
		expect(result.code).toBe(0);
		expect(read('tls/hosts/alpha.cert')).toBe(before['alpha']);
		expect(read('tls/hosts/beta.cert')).toBe(before['beta']);
		expect(new X509Certificate(read('tls/hosts/gamma.cert')).checkIP('10.1.0.7')).toBe('10.1.0.7');
	}, 60_000);

	it('a host added later gets a certificate from the same CA, and the others keep theirs', async () => {
		const before = read('tls/hosts/alpha.cert');
		const file = path.join(instance.directory, 'amprun.yaml');
		const text = readFileSync(file, 'utf8');
		writeFileSync(file, text.replace(/\ndaemons:/, '\n  - name: delta\n    address: 10.1.0.4\n    server: true\ndaemons:'));
		const result = await runAmpzero(['init', instance.directory, '--clobber', '--batch'], {home: instance.home});
		expect(result.stderr).toBe('');
		expect(result.stdout).toContain('certificates of delta made');
		const delta = new X509Certificate(read('tls/hosts/delta.cert'));
		expect(delta.checkIssued(new X509Certificate(read('tls/ca.cert')))).toBe(true);
		expect(delta.checkIP('10.1.0.4')).toBe('10.1.0.4');
		expect(read('tls/hosts/alpha.cert')).toBe(before);
		expect(read('nginx/nginx-delta.conf')).toContain('listen 10.1.0.4:');
	}, 60_000);

	it('where the CA key is not (a clone of the repository), --clobber keeps the CA and refuses to sign a new host, saying where to', async () => {
		const file = path.join(instance.directory, 'amprun.yaml');
		const text = readFileSync(file, 'utf8');
		const key = path.join(instance.directory, 'tls/ca.key');
		const authority = read('tls/ca.cert');
		renameSync(key, `${key}.away`);
		try {
			// Nothing to sign: --clobber works without the key.
			const same = await runAmpzero(['init', instance.directory, '--clobber', '--batch'], {home: instance.home});
			expect(same.stderr).toBe('');
			expect(same.code).toBe(0);
			expect(read('tls/ca.cert')).toBe(authority);
			writeFileSync(file, text.replace(/\ndaemons:/, '\n  - name: epsilon\n    address: 10.1.0.5\n    server: true\ndaemons:'));
			const result = await runAmpzero(['init', instance.directory, '--clobber', '--batch'], {home: instance.home});
			expect(result.code).toBe(1);
			expect(result.stderr).toContain("epsilon needs a certificate signed by the instance's CA, but its key (tls/ca.key) is not on this machine");
			expect(result.stderr).toContain('run `ampzero init --clobber` there');
			expect(read('tls/ca.cert')).toBe(authority);
			// Refused before anything was written.
			expect(existsSync(path.join(instance.directory, 'tls/hosts/epsilon.cert'))).toBe(false);
			expect(existsSync(path.join(instance.directory, 'nginx/nginx-epsilon.conf'))).toBe(false);
		} finally {
			renameSync(`${key}.away`, key);
			writeFileSync(file, text);
		}
	}, 60_000);

	it('a bad hosts: entry is refused with file:line', async () => {
		const file = path.join(instance.directory, 'amprun.yaml');
		const text = readFileSync(file, 'utf8');
		writeFileSync(file, text.replace(/keyspace: 2\n/, 'keyspace: 1\n'));
		const result = await runAmpzero(['run', instance.directory, 'status', '--batch'], {home: instance.home});
		writeFileSync(file, text);
		expect(result.code).not.toBe(0);
		expect(result.stderr).toMatch(/amprun\.yaml:\d+: hosts must give keyspace members 0, 1 and 2 to three different hosts/);
	});
});
