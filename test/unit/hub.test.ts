import {once} from 'node:events';
import type http from 'node:http';
import {mkdir, mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {announceHost} from '../../services/hub/announce.js';
import {DirectoryHub} from '../../services/hub/directory-hub.js';
import {HttpHub} from '../../services/hub/http-client.js';
import {createHubServer} from '../../services/hub/http-server.js';
import {announceStatement, updateStatement} from '../../services/hub/statements.js';
import {HubRefusal, type HostAnnouncement, type Hub} from '../../services/hub/types.js';
import {createIdentity} from '../../services/hub/create-identity.js';
import {newKeyPair, signDetached, verifyPublicKey} from '../../services/keys/identity.js';
import {writeIdentityKeys} from '../../services/keys/store.js';
import {freePort} from '../helpers/ports.js';

let state: string;
let servers: http.Server[] = [];

beforeEach(async () => {
	state = await mkdtemp(path.join(os.tmpdir(), 'ampzero-hub-'));
});

afterEach(async () => {
	for (const server of servers) {
		server.closeAllConnections();
		await new Promise(resolve => server.close(resolve));
	}
	servers = [];
	await rm(state, {recursive: true, force: true});
});

async function serve(hub: Hub): Promise<HttpHub> {
	const server = createHubServer(hub);
	servers.push(server);
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	const address = server.address();
	if (typeof address !== 'object' || !address) throw new Error('no address');
	return new HttpHub(`http://127.0.0.1:${address.port}`);
}

/** The same checks against the hub in-process and over HTTP: one implementation, one behaviour. */
const variants: Array<[string, () => Promise<Hub>]> = [
	['in-process', async () => new DirectoryHub(state)],
	['over HTTP', async () => serve(new DirectoryHub(state, 'served'))],
];

describe.each(variants)('the hub %s', (_label, makeHub) => {
	it('gives increasing ids per kind and signs the public key', async () => {
		const hub = await makeHub();
		const hubKey = await hub.publicKey();
		const ids: number[] = [];
		for (let index = 0; index < 3; index++) {
			const pair = newKeyPair();
			const {id, hubSignature} = await hub.register('user', pair.publicKey, newKeyPair().publicKey);
			ids.push(id);
			expect(verifyPublicKey({kind: 'user', id, publicKey: pair.publicKey, hubSignature}, hubKey)).toBe(true);
		}
		expect(ids).toEqual([1, 2, 3]);
		expect((await hub.register('host', newKeyPair().publicKey, newKeyPair().publicKey)).id).toBe(1);
	});

	it('updates a key only when the control key signs the request', async () => {
		const hub = await makeHub();
		const signing = newKeyPair();
		const control = newKeyPair();
		const {id} = await hub.register('host', signing.publicKey, control.publicKey);
		const replacement = newKeyPair();

		const bySigningKey = signDetached(updateStatement('host', id, 1, replacement.publicKey), signing.secretKey);
		const refused = await hub.update('host', id, replacement.publicKey, bySigningKey).catch((error: unknown) => error);
		expect(refused).toBeInstanceOf(HubRefusal);
		expect((refused as HubRefusal).status).toBe(403);
		expect((refused as HubRefusal).message).toMatch(`not signed by that identity's control key (host-${id}.control.key)`);
		expect((await hub.lookup('host', id)).publicKey).toBe(signing.publicKey);

		const byControlKey = signDetached(updateStatement('host', id, 1, replacement.publicKey), control.secretKey);
		const {hubSignature, version} = await hub.update('host', id, replacement.publicKey, byControlKey);
		expect(version).toBe(2);
		expect(verifyPublicKey({kind: 'host', id, publicKey: replacement.publicKey, hubSignature}, await hub.publicKey())).toBe(true);
		expect((await hub.lookup('host', id)).publicKey).toBe(replacement.publicKey);

		// The same signed request again names version 1, which is gone: a replay is refused.
		await expect(hub.update('host', id, replacement.publicKey, byControlKey)).rejects.toThrow(/not signed by that identity's control key/);
	});

	it('keeps the latest announce signed by the host key; refuses unsigned, forged, tampered, stale and replayed ones', async () => {
		const hub = await makeHub();
		const signing = newKeyPair();
		const {id} = await hub.register('host', signing.publicKey, newKeyPair().publicKey);
		const make = (fields: {host?: string; port?: number; at?: string; sequence: number}, secretKey = signing.secretKey): HostAnnouncement => {
			const unsigned = {hostId: id, host: fields.host ?? '203.0.113.5', port: fields.port ?? 8040, at: fields.at ?? new Date().toISOString(), sequence: fields.sequence};
			return {...unsigned, signature: signDetached(announceStatement(unsigned), secretKey)};
		};
		const refused = `the hub refused the address of host-${id}`;
		await expect(hub.announce({...make({sequence: 1}), signature: ''})).rejects.toThrow(`${refused}: it is not signed`);
		await expect(hub.announce(make({sequence: 1}, newKeyPair().secretKey))).rejects.toThrow(`${refused}: it is not signed by that host's key`);
		await expect(hub.announce({...make({sequence: 1}), host: '198.51.100.66'})).rejects.toThrow(`${refused}: it is not signed by that host's key`);
		await expect(hub.announce(make({sequence: 1, at: new Date(Date.now() - 10 * 60_000).toISOString()}))).rejects.toThrow(`${refused}: it is stale`);
		const first = make({sequence: 5});
		await hub.announce(first);
		await expect(hub.announce(first)).rejects.toThrow(`${refused}: sequence 5 is not above the last one kept (5); a replay`);
		await expect(hub.announce(make({sequence: 4, host: '198.51.100.7'}))).rejects.toThrow(/a replay/);
		const moved = make({sequence: 6, host: '198.51.100.7', port: 9443});
		await hub.announce(moved);
		expect((await hub.lookup('host', id)).announced).toEqual(moved);
	});

	it('answers an unknown identity with a clear refusal', async () => {
		const hub = await makeHub();
		await hub.publicKey();
		await expect(hub.lookup('user', 99)).rejects.toThrow('the hub has no user-99');
	});
});

describe('the directory hub under concurrency', () => {
	it('never gives two registrations the same id, even from separate hub objects on one directory', async () => {
		const hubs = [new DirectoryHub(state), new DirectoryHub(state), new DirectoryHub(state)];
		const results = await Promise.all(
			Array.from({length: 30}, (_, index) => hubs[index % hubs.length]!.register('user', newKeyPair().publicKey, newKeyPair().publicKey)),
		);
		const ids = results.map(result => result.id).sort((a, b) => a - b);
		expect(ids).toEqual(Array.from({length: 30}, (_, index) => index + 1));
		// And the three objects agree on the hub's key: it was made once.
		const keys = await Promise.all(hubs.map(hub => hub.publicKey()));
		expect(new Set(keys.map(key => key.publicKey)).size).toBe(1);
	});
});

describe('the HTTP hub', () => {
	it('answers a request signed by the wrong key with 403 and the reason', async () => {
		const client = await serve(new DirectoryHub(state, 'served'));
		const {id} = await client.register('user', newKeyPair().publicKey, newKeyPair().publicKey);
		const replacement = newKeyPair().publicKey;
		const response = await fetch(`${client.location}/v1/update`, {
			method: 'POST',
			headers: {'content-type': 'application/json'},
			body: JSON.stringify({kind: 'user', id, newPublicKey: replacement, signature: signDetached('anything', newKeyPair().secretKey)}),
		});
		expect(response.status).toBe(403);
		expect(((await response.json()) as {error: string}).error).toMatch(`the hub refused to update user-${id}`);
	});

	it('refuses malformed requests with 400', async () => {
		const client = await serve(new DirectoryHub(state, 'served'));
		const response = await fetch(`${client.location}/v1/register`, {method: 'POST', body: '{"kind": "user", "publicKey": "short"}'});
		expect(response.status).toBe(400);
		expect(((await response.json()) as {error: string}).error).toMatch(/publicKey must be a base64 Ed25519 public key/);
	});

	it('refuses bodies like the daemons do: 413 over the limit, 400 not JSON or not an object', async () => {
		const client = await serve(new DirectoryHub(state, 'served'));
		const answer = async (body: string): Promise<[number, string]> => {
			const response = await fetch(`${client.location}/v1/register`, {method: 'POST', body});
			return [response.status, ((await response.json()) as {error: string}).error];
		};
		expect(await answer(`{"pad":"${'x'.repeat(70_000)}"}`)).toEqual([413, 'the request body of 70010 bytes is over the limit of 65536 bytes']);
		const [status, error] = await answer('{"kind":');
		expect([status, error]).toEqual([400, expect.stringMatching(/^the request body is not valid JSON: /)]);
		expect(await answer('"user"')).toEqual([400, 'the request body must be a JSON object']);
	});

	it('announceHost publishes the address signed with the instance host key', async () => {
		const client = await serve(new DirectoryHub(state, 'served'));
		const host = await createIdentity(client, 'host');
		const instance = path.join(state, 'instance');
		await mkdir(path.join(instance, 'ampnode'), {recursive: true});
		await writeIdentityKeys(path.join(instance, 'ampnode'), host);
		const sent = await announceHost(instance, {hub: client.location, hostId: host.public.id}, '198.51.100.4', 8040);
		expect((await client.lookup('host', host.public.id)).announced).toEqual(sent);
		expect(sent).toMatchObject({host: '198.51.100.4', port: 8040});
	});

	it('says an unreachable hub cannot be reached, naming its URL', async () => {
		const url = `http://127.0.0.1:${await freePort()}`;
		const started = Date.now();
		await expect(new HttpHub(url).publicKey()).rejects.toThrow(`the hub at ${url} cannot be reached (ECONNREFUSED)`);
		expect(Date.now() - started).toBeLessThan(4000);
	});
});

describe('init trusts only what the hub signed', () => {
	it('createIdentity refuses a key the hub answered without its own signature', async () => {
		const honest = new DirectoryHub(state);
		const hubKey = await honest.publicKey();
		// A hub in the middle that hands back another key's signature over the record.
		const impostor: Hub = {
			location: 'http://impostor.example',
			publicKey: () => honest.publicKey(),
			register: async (kind, publicKey, controlPublicKey) => {
				const answer = await honest.register(kind, publicKey, controlPublicKey);
				return {...answer, hubSignature: signDetached('something else', newKeyPair().secretKey)};
			},
			update: (...args) => honest.update(...args),
			announce: announcement => honest.announce(announcement),
			lookup: (kind, id) => honest.lookup(kind, id),
		};
		await expect(createIdentity(impostor, 'host', undefined, hubKey)).rejects.toThrow(
			'the hub at http://impostor.example returned a host key that is not signed by its own key',
		);
		const keys = await createIdentity(honest, 'host', undefined, hubKey);
		expect(verifyPublicKey(keys.public, hubKey)).toBe(true);
	});
});
