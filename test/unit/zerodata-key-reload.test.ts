import {describe, expect, it} from 'vitest';
import {newKeyPair, publicKeyStatement, signDetached, type PublicKeyRecord} from '../../services/keys/identity.js';
import {signingKeyObject, signRequest} from '../../services/zerodata/signing.js';
import {RequestAuth} from '../../source/daemons/zerodata/request-auth.js';
import {createLogger} from '../../source/daemons/shared/logger.js';

const hubPair = newKeyPair();
const hub = {hub: 'embedded', publicKey: hubPair.publicKey};
const logger = createLogger('zerodata', {out: () => undefined, err: () => undefined});

function hostKey(id: number): {record: PublicKeyRecord; secretKey: string} {
	const pair = newKeyPair();
	const unsigned = {kind: 'host' as const, id, publicKey: pair.publicKey};
	return {record: {...unsigned, hubSignature: signDetached(publicKeyStatement(unsigned), hubPair.secretKey)}, secretKey: pair.secretKey};
}

const body = new TextEncoder().encode('{}');
const headersBy = (id: number, secretKey: string) => signRequest(id, signingKeyObject(secretKey), 'POST', '/v1/get', body);

describe('zerodata picks up a rotated host key without a restart', () => {
	it('a request signed by the new key of a known host verifies once the keys are read again; another key still does not', () => {
		const old = hostKey(7);
		const rotated = {...hostKey(7)};
		let onDisk: PublicKeyRecord[] = [old.record];
		const auth = new RequestAuth({hub, hosts: [old.record], logger, reloadHosts: () => onDisk});
		expect(auth.verify('POST', '/v1/get', headersBy(7, old.secretKey), body)).toBe(7);
		onDisk = [rotated.record];
		expect(auth.verify('POST', '/v1/get', headersBy(7, rotated.secretKey), body)).toBe(7);
		const stranger = hostKey(7);
		expect(() => auth.verify('POST', '/v1/get', headersBy(7, stranger.secretKey), body)).toThrow(/bad signature/);
	});

	it('a host added since the start is known after a reload; the files are read at most once a second', () => {
		const first = hostKey(7);
		const added = hostKey(9);
		let reads = 0;
		let now = 10_000;
		const auth = new RequestAuth({hub, hosts: [first.record], logger, now: () => now, reloadHosts: () => (reads++, [first.record, added.record])});
		expect(auth.verify('POST', '/v1/get', signRequest(9, signingKeyObject(added.secretKey), 'POST', '/v1/get', body, now), body)).toBe(9);
		expect(reads).toBe(1);
		expect(() => auth.verify('POST', '/v1/get', signRequest(11, signingKeyObject(added.secretKey), 'POST', '/v1/get', body, now), body)).toThrow(/unknown host 11/);
		expect(reads).toBe(1);
		now += 1500;
		expect(() => auth.verify('POST', '/v1/get', signRequest(11, signingKeyObject(added.secretKey), 'POST', '/v1/get', body, now), body)).toThrow(/unknown host 11/);
		expect(reads).toBe(2);
	});
});

describe('a rotated host key reaches zerodata and its clients without a restart of either', () => {
	it('zerodata reads the keys again at the first request with the new key; a client with the old key reads its key file again at the 401 and retries', async () => {
		const {mkdtempSync, rmSync} = await import('node:fs');
		const {tmpdir} = await import('node:os');
		const path = await import('node:path');
		const {startZerodata} = await import('../../source/daemons/zerodata/server.js');
		const {ZerodataClient} = await import('../../services/zerodata/client.js');
		const directory = mkdtempSync(path.join(tmpdir(), 'ampzero-rotate-'));
		const old = hostKey(7);
		const rotated = hostKey(7);
		// What the host's key files say: the public one zerodata trusts, the private one the client signs with.
		let files = old;
		const server = await startZerodata({host: '127.0.0.1', port: 0, directory, hub, trustedHosts: [old.record], reloadTrustedHosts: () => [files.record]});
		const ampnode = new ZerodataClient({url: server.url, hostId: 7, secretKey: old.secretKey, coalesce: false, refreshSecretKey: async () => files.secretKey});
		const fresh = new ZerodataClient({url: server.url, hostId: 7, secretKey: rotated.secretKey, coalesce: false});
		try {
			await ampnode.put('note', 1, {text: 'before'});
			files = rotated;
			await new Promise(resolve => setTimeout(resolve, 1100));
			await fresh.put('note', 2, {text: 'new key'});
			await ampnode.put('note', 3, {text: 'after'});
			expect((await ampnode.get('note', 3))?.properties['text']).toBe('after');
			// The old key itself is no longer trusted.
			const stale = new ZerodataClient({url: server.url, hostId: 7, secretKey: old.secretKey, coalesce: false});
			await expect(stale.get('note', 1)).rejects.toThrow(/bad signature/);
			stale.close();
		} finally {
			ampnode.close();
			fresh.close();
			await server.close();
			rmSync(directory, {recursive: true, force: true});
		}
	});
});
