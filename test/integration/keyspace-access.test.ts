import {execFile} from 'node:child_process';
import {existsSync, statSync} from 'node:fs';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {localKeyspaceTlsFiles} from '../../services/config/keyspace-tls.js';
import {daemonUser} from '../../services/daemons/daemon-user.js';
import {makeTestInstance, runAmpzero, type TestInstance} from '../helpers/instance.js';
import {endInstance} from '../helpers/run-processes.js';

const run = promisify(execFile);

/** What a command printed and how it ended, never throwing. */
async function attempt(command: string, args: string[], options: {uid?: number; gid?: number} = {}): Promise<{code: number; output: string; errors: string}> {
	try {
		const {stdout, stderr} = await run(command, args, {timeout: 15_000, env: {...process.env, ETCDCTL_API: '3'}, ...options});
		return {code: 0, output: stdout, errors: stderr};
	} catch (error) {
		const failed = error as {code?: number | string; stdout?: string; stderr?: string};
		return {code: typeof failed.code === 'number' ? failed.code : 1, output: failed.stdout ?? '', errors: failed.stderr ?? ''};
	}
}

/** A single-machine keyspace as `ampzero run` starts it: only the instance's own credential gets in, no other local user. */
describe('the single-machine keyspace admits only the instance', () => {
	let instance: TestInstance;
	let client = '';
	let peer = '';
	let tls: ReturnType<typeof localKeyspaceTlsFiles>;

	beforeAll(async () => {
		instance = await makeTestInstance({name: 'keys'});
		const result = await runAmpzero(['run', instance.directory, '--batch', '--no-nat-bypass', '--no-hub'], {home: instance.home, timeoutMs: 90_000});
		if (result.code !== 0) throw new Error(`ampzero run exited ${result.code}:\n${result.stderr}${result.stdout}`);
		client = `127.0.0.1:${instance.config.ports.keyspaceClient}`;
		peer = `127.0.0.1:${instance.config.ports.keyspacePeer}`;
		tls = localKeyspaceTlsFiles(instance.config);
	}, 120_000);

	afterAll(async () => {
		await endInstance(instance);
	}, 60_000);

	it('refuses a plain client: HTTP, HTTPS without a certificate, etcdctl without one, on the client and the peer port', async () => {
		const put = JSON.stringify({key: Buffer.from('/intruder').toString('base64'), value: Buffer.from('x').toString('base64')});
		const plain = await attempt('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', '-d', put, `http://${client}/v3/kv/put`]);
		expect(plain.output).not.toMatch(/^2/);
		for (const address of [client, peer]) {
			// The server checked against the keyspace's CA: without a client certificate no HTTP answer comes at all,
			// with the instance's a request is answered (the peer port answers /version with 405 to a POST, but answers).
			const status = (credential: string[], apiPath: string): ReturnType<typeof attempt> =>
				attempt('curl', ['-sS', '--http1.1', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', '--cacert', tls.ca, ...credential, '-d', put, `https://${address}${apiPath}`]);
			const noCertificate = await status([], '/v3/kv/put');
			expect(noCertificate.code, address).not.toBe(0);
			expect(noCertificate.output, address).toBe('000');
			const withCertificate = await status(['--cert', tls.cert, '--key', tls.key], '/version');
			expect(withCertificate.output, `${address}: ${withCertificate.errors}`).toMatch(/^[2-4]\d\d$/);
		}
		const etcdctl = await attempt('etcdctl', ['--endpoints', `https://${client}`, '--cacert', tls.ca, '--dial-timeout', '3s', '--command-timeout', '5s', 'put', '/intruder', 'x']);
		expect(etcdctl.code).not.toBe(0);
		// Nothing got written: read back with the credential.
		const check = await attempt('etcdctl', ['--endpoints', `https://${client}`, '--cacert', tls.ca, '--cert', tls.cert, '--key', tls.key, 'get', '/intruder', '--print-value-only']);
		expect(check).toMatchObject({code: 0, output: ''});
	});

	it("accepts the instance's credential, and ampnode registered with it", async () => {
		const credential = ['--endpoints', `https://${client}`, '--cacert', tls.ca, '--cert', tls.cert, '--key', tls.key];
		expect(await attempt('etcdctl', [...credential, 'put', '/ampzero/keys/probe', 'hello'])).toMatchObject({code: 0});
		expect((await attempt('etcdctl', [...credential, 'get', '/ampzero/keys/probe', '--print-value-only'])).output.trim()).toBe('hello');
		const registered = await attempt('etcdctl', [...credential, 'get', '--prefix', '/ampzero/keys/ampnode/', '--keys-only']);
		expect(registered.output).toContain(`/ampzero/keys/ampnode/${instance.config.hostId}/`);
	});

	it('keeps the credential where only the instance reads it: 0700 run directory, 0600 key, no CA key, not in the instance repository', async () => {
		expect(statSync(tls.directory).mode & 0o777).toBe(0o700);
		expect(statSync(tls.key).mode & 0o777).toBe(0o600);
		expect(existsSync(`${tls.directory}/ca.key`)).toBe(false);
		const user = daemonUser();
		if (user) expect(statSync(tls.key).uid).toBe(user.uid);
		const {stdout} = await run('git', ['-C', instance.directory, 'ls-files']);
		expect(stdout).not.toMatch(/hosts\/local\./);
		if (process.getuid?.() === 0) {
			// Another local user (not the daemons') can neither read the key nor enter the directory.
			const nobody = Number((await run('id', ['-u', 'nobody'])).stdout.trim());
			const nogroup = Number((await run('id', ['-g', 'nobody'])).stdout.trim());
			const other = await attempt('cat', [tls.key], {uid: nobody, gid: nogroup});
			expect(other.code).not.toBe(0);
			expect(other.errors).toMatch(/Permission denied/);
		}
	});
});
