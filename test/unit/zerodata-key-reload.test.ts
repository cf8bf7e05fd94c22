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
