import {describe, expect, it} from 'vitest';
import {isTransient, retryWhileRestarting, UnreachableError} from '../../services/http/retry-while-restarting.js';

const refused = (): UnreachableError => new UnreachableError('cannot reach zerodata at http://127.0.0.1:1 (connect ECONNREFUSED); is it running?', Object.assign(new Error('connect ECONNREFUSED'), {code: 'ECONNREFUSED'}));

describe('a request that meets its daemon restarting', () => {
	it('is sent again until the daemon answers', async () => {
		let attempts = 0;
		const answer = await retryWhileRestarting(async () => {
			attempts += 1;
			if (attempts < 3) throw refused();
			return 'stored';
		}, {totalMs: 1000, firstDelayMs: 1, maxDelayMs: 4});
		expect([answer, attempts]).toEqual(['stored', 3]);
	});

	it('fails at once on an answer that will not change (a 400, a refused signature), and after its budget on a daemon that stays down', async () => {
		let attempts = 0;
		const refusal = Object.assign(new Error('zerodata refused /v1/put: bad kind'), {status: 400});
		await expect(
			retryWhileRestarting(async () => {
				attempts += 1;
				throw refusal;
			}),
		).rejects.toBe(refusal);
		expect(attempts).toBe(1);
		const began = Date.now();
		await expect(retryWhileRestarting(async () => Promise.reject(refused()), {totalMs: 200, firstDelayMs: 10, maxDelayMs: 50})).rejects.toThrow(/ECONNREFUSED/);
		expect(Date.now() - began).toBeLessThan(1000);
	});

	it('counts refused, reset and hung-up connections and 502/503 answers as a daemon restarting', () => {
		expect(isTransient(refused())).toBe(true);
		expect(isTransient(new UnreachableError('cannot reach logstore', new Error('socket hang up')))).toBe(true);
		expect(isTransient({status: 503})).toBe(true);
		expect(isTransient({status: 401})).toBe(false);
		expect(isTransient(new UnreachableError('cannot reach logstore', Object.assign(new Error('self-signed certificate'), {code: 'DEPTH_ZERO_SELF_SIGNED_CERT'})))).toBe(false);
	});
});
