import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {AmpError} from '../../services/errors.js';
import {HubRefusal, type HubRecord} from '../../services/hub/types.js';
import {newKeyPair, publicKeyStatement, signDetached, type PublicKeyRecord} from '../../services/keys/identity.js';
import {HubHostKeys} from '../../source/daemons/shared/host-keys.js';
import {silentLogger} from '../../source/daemons/shared/logger.js';
import {FileNonceLog} from '../../source/daemons/shared/nonce-log.js';

let temporary: string;
beforeEach(() => {
	temporary = mkdtempSync(path.join(tmpdir(), 'ampzero-auth-'));
});
afterEach(() => rmSync(temporary, {recursive: true, force: true}));

describe('FileNonceLog', () => {
	it('refuses a nonce seen before, also after reopening, and forgets expired ones', () => {
		const file = path.join(temporary, 'seen-nonces');
		const log = new FileNonceLog(file, 1_000);
		expect(log.remember('7:aaaaaaaa', 2_000, 1_000)).toBe(true);
		expect(log.remember('7:bbbbbbbb', 5_000, 1_000)).toBe(true);
		expect(log.remember('7:aaaaaaaa', 2_000, 1_100)).toBe(false);
		log.close();

		const reopened = new FileNonceLog(file, 1_500);
		expect(reopened.remember('7:aaaaaaaa', 2_000, 1_500)).toBe(false);
		reopened.close();
		// Past its expiry the line is dropped when the file is read back.
		const later = new FileNonceLog(file, 3_000);
		expect(readFileSync(file, 'utf8')).toBe('5000 7:bbbbbbbb\n');
		expect(later.remember('7:bbbbbbbb', 5_000, 3_000)).toBe(false);
		later.close();
	});
});

describe('HubHostKeys', () => {
	const hubPair = newKeyPair();
	const hubKey = {hub: 'https://hub.example', publicKey: hubPair.publicKey};
	const record = (id: number, publicKey: string, signer = hubPair.secretKey): PublicKeyRecord => ({
		kind: 'host',
		id,
		publicKey,
		hubSignature: signDetached(publicKeyStatement({kind: 'host', id, publicKey}), signer),
	});
	const asHubRecord = (entry: PublicKeyRecord): HubRecord => ({...entry, controlPublicKey: entry.publicKey, version: 1});

	it('looks a host up once per cache period, refuses records the hub did not sign, and remembers unknown ids', async () => {
		let now = 0;
		let lookups = 0;
		const records = new Map<number, PublicKeyRecord>([
			[3, record(3, newKeyPair().publicKey)],
			[4, record(4, newKeyPair().publicKey, newKeyPair().secretKey)],
		]);
		const keys = new HubHostKeys({
			hub: {
				location: hubKey.hub,
				lookup: async (_kind, id) => {
					lookups += 1;
					const found = records.get(id);
					if (found === undefined) throw new HubRefusal(`the hub has no host-${id}`, 404);
					return asHubRecord(found);
				},
			},
			hubKey,
			logger: silentLogger,
			cacheMs: 1_000,
			now: () => now,
		});
		expect('key' in (await keys.keyFor(3))).toBe(true);
		await Promise.all([keys.keyFor(3), keys.keyFor(3)]);
		expect(lookups).toBe(1);
		now = 1_500;
		await keys.keyFor(3);
		expect(lookups).toBe(2);

		expect(await keys.keyFor(4)).toEqual({refused: expect.stringMatching(/hub's signature on host 4's key record does not verify/) as unknown});
		expect(await keys.keyFor(9)).toEqual({refused: 'the hub (https://hub.example) has no such host: the hub has no host-9'});
		const asked = lookups;
		await Promise.all(Array.from({length: 50}, () => keys.keyFor(9)));
		expect(lookups).toBe(asked);
	});

	it('fails closed: without the hub, a host is trusted on its last confirmed record only within the staleness bound, never on copies', async () => {
		let now = 0;
		let lookups = 0;
		let reachable = true;
		const hostRecord = record(3, newKeyPair().publicKey);
		const keys = new HubHostKeys({
			hub: {
				location: hubKey.hub,
				lookup: async () => {
					lookups += 1;
					if (!reachable) throw new AmpError('the hub cannot be reached');
					return asHubRecord(hostRecord);
				},
			},
			hubKey,
			logger: silentLogger,
			cacheMs: 1_000,
			staleMs: 60_000,
			retryMs: 500,
			now: () => now,
		});
		expect('key' in (await keys.keyFor(3))).toBe(true);
		reachable = false;
		now = 30_000;
		expect('key' in (await keys.keyFor(3))).toBe(true);
		// A failed lookup is remembered for retryMs: a burst of requests asks the hub once.
		const asked = lookups;
		await Promise.all(Array.from({length: 20}, () => keys.keyFor(3)));
		expect(lookups).toBe(asked);
		now = 61_000;
		expect(await keys.keyFor(3)).toEqual({
			refused: 'the hub (https://hub.example) that vouches for host keys cannot be reached, and its key was last confirmed 61 s ago, more than the 60 s a confirmation lasts',
			unavailable: true,
		});
		expect(await keys.keyFor(8)).toEqual({refused: 'the hub (https://hub.example) that vouches for host keys cannot be reached, and its key was never confirmed here', unavailable: true});
		reachable = true;
		now = 62_000;
		expect('key' in (await keys.keyFor(3))).toBe(true);
	});
});
