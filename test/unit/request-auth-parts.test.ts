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

	it('looks a host up once per cache period, refuses records the hub did not sign, and falls back only while the hub is unreachable', async () => {
		let now = 0;
		let lookups = 0;
		const records = new Map<number, PublicKeyRecord>([
			[3, record(3, newKeyPair().publicKey)],
			[4, record(4, newKeyPair().publicKey, newKeyPair().secretKey)],
		]);
		let reachable = true;
		const keys = new HubHostKeys({
			hub: {
				location: hubKey.hub,
				lookup: async (_kind, id) => {
					lookups += 1;
					if (!reachable) throw new AmpError('the hub cannot be reached');
					const found = records.get(id);
					if (found === undefined) throw new HubRefusal(`the hub has no host-${id}`, 404);
					return asHubRecord(found);
				},
			},
			hubKey,
			fallback: [record(5, newKeyPair().publicKey)],
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

		reachable = false;
		expect('key' in (await keys.keyFor(5))).toBe(true);
		expect(await keys.keyFor(6)).toEqual({refused: 'the hub (https://hub.example) that vouches for host keys cannot be reached to look it up'});
	});
});
