import http from 'node:http';
import {expect} from 'vitest';
import {newKeyPair} from '../../services/keys/identity.js';
import {signingKeyObject, signRequest, type SignedDaemon} from '../../services/keys/request-signing.js';
import type {TestHostKeys} from './zerodata-keys.js';

/** The refusals zerodata and logstore share, checked against a running daemon. */

export interface Reply {
	status: number;
	body: {error?: string} & Record<string, unknown>;
}

/** A raw POST with whatever headers the test chooses. */
export function post(url: string, requestPath: string, body: string, headers: Record<string, string>): Promise<Reply> {
	const {port, hostname} = new URL(url);
	return new Promise((resolve, reject) => {
		const request = http.request({host: hostname, port, method: 'POST', path: requestPath, headers: {...headers, 'content-type': 'application/json'}}, response => {
			let text = '';
			response.on('data', (chunk: Buffer) => (text += chunk.toString()));
			response.on('end', () => resolve({status: response.statusCode ?? 0, body: JSON.parse(text) as Reply['body']}));
		});
		request.on('error', reject);
		request.end(body);
	});
}

export interface SigningOptions {
	hostId?: number;
	secretKey?: string;
	instance?: string;
	now?: number;
}

export function signedHeaders(daemon: SignedDaemon, keys: TestHostKeys, instance: string, body: string, requestPath: string, options: SigningOptions = {}): Record<string, string> {
	const host = keys.hosts[0];
	if (host === undefined) throw new Error('no test host');
	return signRequest(
		{daemon, instance: options.instance ?? instance, hostId: options.hostId ?? host.record.id},
		signingKeyObject(options.secretKey ?? host.secretKey),
		'POST',
		requestPath,
		Buffer.from(body),
		options.now,
	);
}

/**
 * Unsigned, not a member, wrong key, changed body, stale, signed for another instance or another
 * daemon, a forged host id, and replayed: each a 401 (403 for a host that is not a member) whose
 * message says which. `accepted` is what a good request answers.
 */
export async function expectRefusals(options: {daemon: 'zerodata' | 'logstore'; url: string; path: string; body: string; keys: TestHostKeys; instance: string; accepted: Reply}): Promise<void> {
	const {daemon, url, path, body, keys, instance} = options;
	const sign = (signing: SigningOptions = {}, signedBody = body) => signedHeaders(daemon, keys, instance, signedBody, path, signing);
	const hostId = keys.hosts[0]?.record.id;

	const unsigned = await post(url, path, body, {});
	expect(unsigned.status).toBe(401);
	expect(unsigned.body.error).toMatch(new RegExp(`^unsigned request: ${daemon} needs the x-amp-host, x-amp-instance, x-amp-timestamp, x-amp-nonce, x-amp-content-sha256, x-amp-signature headers`));

	const stranger = newKeyPair();
	const unknown = await post(url, path, body, sign({hostId: 999, secretKey: stranger.secretKey}));
	expect(unknown).toMatchObject({status: 403, body: {error: expect.stringMatching(/^not a member: host 999 is not a member/) as unknown}});

	const wrongKey = await post(url, path, body, sign({secretKey: stranger.secretKey}));
	expect(wrongKey.status).toBe(401);
	expect(wrongKey.body.error).toMatch(new RegExp(`^bad signature: the request is not signed by host ${hostId}'s current key`));

	const tampered = await post(url, path, `${body} `, sign());
	expect(tampered.status).toBe(401);
	expect(tampered.body.error).toMatch(/^bad signature/);

	const stale = await post(url, path, body, sign({now: Date.now() - 31_000}));
	expect(stale.status).toBe(401);
	expect(stale.body.error).toMatch(/^stale request: timestamp \d+ is more than 30 s from the server clock/);

	const elsewhere = await post(url, path, body, sign({instance: 'another-instance'}));
	expect(elsewhere.status).toBe(401);
	expect(elsewhere.body.error).toBe(`wrong instance: the request is signed for instance "another-instance", and this ${daemon} serves "${instance}"`);
	// Claiming this instance in the header while having signed for another does not help.
	const relabelled = {...sign({instance: 'another-instance'}), 'x-amp-instance': instance};
	expect((await post(url, path, body, relabelled)).body.error).toMatch(/^bad signature/);

	// Signed for the other daemon of the same instance: the daemon's name is signed too.
	const otherDaemon = signedHeaders(daemon === 'zerodata' ? 'logstore' : 'zerodata', keys, instance, body, path);
	expect((await post(url, path, body, otherDaemon)).body.error).toMatch(/^bad signature/);
	// A member's signature under another member's id: the host id is signed too.
	const second = keys.hosts[1];
	if (second !== undefined) {
		const relabelledHost = {...sign(), 'x-amp-host': String(second.record.id)};
		expect((await post(url, path, body, relabelledHost)).body.error).toMatch(/^bad signature/);
	}

	const headers = sign();
	expect(await post(url, path, body, headers)).toEqual(options.accepted);
	const replay = await post(url, path, body, headers);
	expect(replay.status).toBe(401);
	expect(replay.body.error).toMatch(/^replayed request: this nonce was already used/);
}
