import {mkdtemp, readFile, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startLogstore, type RunningLogstore} from '../../source/daemons/logstore/server.js';
import {LogstoreClient} from '../../services/logstore/client.js';
import {ensureAuthority, makeHostCertificate} from '../../services/instance/tls-authority.js';
import {ZerodataClient} from '../../services/zerodata/client.js';
import {hostKeySource, membersOf, makeHostKeys} from './zerodata-keys.js';

const keys = makeHostKeys([1]);
const signer = {hostId: 1, secretKey: keys.hosts[0]!.secretKey, instance: 'ours'};

/*
 * zerodata and logstore between hosts: HTTPS with a certificate of the instance's CA, and clients that
 * trust that CA alone (not the system's store, not another instance's CA).
 */
let root: string;
let logstore: RunningLogstore | undefined;
const pem = (instance: string, file: string): Promise<string> => readFile(path.join(root, instance, file), 'utf8');
const tlsOf = async (instance: string, host: string) => ({ca: await pem(instance, 'tls/ca.cert'), cert: await pem(instance, `tls/hosts/${host}.cert`), key: await pem(instance, `tls/hosts/${host}.key`)});

beforeAll(async () => {
	root = await mkdtemp(path.join(os.tmpdir(), 'ampzero-tls-'));
	for (const instance of ['ours', 'theirs']) {
		await ensureAuthority(path.join(root, instance), instance);
		for (const host of ['alpha', 'beta']) await makeHostCertificate(path.join(root, instance), {name: host, address: '127.0.0.1'});
	}
	const alpha = await tlsOf('ours', 'alpha');
	logstore = await startLogstore({host: '127.0.0.1', port: 0, directory: path.join(root, 'logstore'), instance: 'ours',
		members: membersOf(keys), hostKeys: hostKeySource(keys), tls: {cert: alpha.cert, key: alpha.key}});
}, 60_000);

afterAll(async () => {
	await logstore?.close();
	await rm(root, {recursive: true, force: true});
});

describe('TLS between hosts', () => {
	it("a client of the same instance reaches logstore over HTTPS; one trusting another instance's CA is refused", async () => {
		expect(logstore!.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
		const ours = new LogstoreClient({url: logstore!.url, ...signer, tls: await tlsOf('ours', 'beta')});
		await ours.append([{time: Date.now(), kind: 'access', host: 'host-1@beta:1', data: {path: '/'}}]);
		expect((await ours.query({kind: 'access'})).records).toHaveLength(1);
		ours.close();
		const theirs = new LogstoreClient({url: logstore!.url, ...signer, tls: await tlsOf('theirs', 'beta')});
		await expect(theirs.query()).rejects.toThrow(/cannot reach logstore .*(self[- ]signed|unable to verify|certificate)/i);
		theirs.close();
	});

	it('an https URL without the CA is refused at once, naming what to do; plain HTTP to the HTTPS port gets no answer', async () => {
		expect(() => new LogstoreClient({url: logstore!.url, ...signer})).toThrow(/is https, but this host has no certificate of the instance's CA/);
		expect(() => new ZerodataClient({url: 'https://127.0.0.1:1', ...signer})).toThrow(/zerodata URL .* is https/);
		const plain = new LogstoreClient({url: logstore!.url.replace('https:', 'http:'), ...signer});
		await expect(plain.query()).rejects.toThrow();
		plain.close();
	});
});
