import {describe, expect, it} from 'vitest';
import {FairGate} from '../../services/http/fair-gate.js';
import {networkOf, RegistrationLimiter} from '../../services/hub/rate-limit.js';

describe('registration limits', () => {
	it('groups addresses by network: IPv4 /24, IPv6 /64, mapped IPv4 as IPv4', () => {
		expect(networkOf('203.0.113.9')).toBe('203.0.113.0/24');
		expect(networkOf('::ffff:203.0.113.9')).toBe('203.0.113.0/24');
		expect(networkOf('2001:db8:0:12::5')).toBe('2001:db8:0:12::/64');
		expect(networkOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
	});

	it('spends the per-source budget first, then the network one; the total is reached only by many networks', () => {
		const limiter = new RegistrationLimiter({perSource: 2, perNetwork: 3, total: 7});
		const now = 1_000_000;
		expect(limiter.take('198.51.100.1', now)).toEqual({ok: true});
		expect(limiter.take('198.51.100.1', now)).toEqual({ok: true});
		expect(limiter.take('198.51.100.1', now)).toMatchObject({ok: false, reason: 'too many registrations from 198.51.100.1: at most 2 a minute', retryAfterSeconds: 60});
		expect(limiter.take('198.51.100.2', now)).toEqual({ok: true});
		expect(limiter.take('198.51.100.3', now)).toMatchObject({ok: false, reason: 'too many registrations from the network 198.51.100.0/24: at most 3 a minute'});
		// Someone on another network is not locked out by the first one's flood.
		expect(limiter.take('192.0.2.7', now)).toEqual({ok: true});
		for (const network of ['10.0.1.1', '10.0.2.1', '10.0.3.1']) expect(limiter.take(network, now)).toEqual({ok: true});
		expect(limiter.take('10.0.4.1', now)).toMatchObject({ok: false, reason: 'too many registrations at this hub: at most 7 a minute in total'});
		expect(limiter.take('10.0.4.1', now + 60_001)).toEqual({ok: true});
	});
});

describe('the hub request gate', () => {
	const turn = (): Promise<void> => new Promise(resolve => setImmediate(resolve));
	function jobs(): {order: string[]; releases: Array<() => void>; job: (name: string) => () => Promise<void>} {
		const order: string[] = [];
		const releases: Array<() => void> = [];
		const job = (name: string) => () =>
			new Promise<void>(resolve => {
				order.push(name);
				releases.push(resolve);
			});
		return {order, releases, job};
	}
	async function releaseAll(releases: Array<() => void>): Promise<void> {
		await turn();
		while (releases.length > 0) {
			releases.shift()!();
			await turn();
			await turn();
		}
	}

	it('runs a bounded number at once, serves sources in turn, and refuses past the queue bounds', async () => {
		const gate = new FairGate({inFlight: 1, queuedPerSource: 3, queued: 5});
		const {order, releases, job} = jobs();
		for (const name of ['f1', 'f2', 'f3']) expect(gate.enter('flood', job(name))).toBe(true);
		expect(gate.enter('flood', job('f4'))).toBe(false);
		expect(gate.enter('honest', job('h1'))).toBe(true);
		expect(gate.enter('third', job('t1'))).toBe(true);
		expect(gate.enter('fourth', job('x1'))).toBe(false);
		// Nothing starts in the turn that entered it: the requests read in one turn all wait their turn together.
		expect(order).toEqual([]);
		await releaseAll(releases);
		// The honest request waited one turn of the flood, not all of it.
		expect(order).toEqual(['f1', 'h1', 't1', 'f2', 'f3']);
	});

	it('leaves the slots past a source\'s share to the others, and serves work entered first before the queues', async () => {
		const gate = new FairGate({inFlight: 3, inFlightPerSource: 2, queuedPerSource: 10, queued: 20});
		const {order, releases, job} = jobs();
		for (const name of ['f1', 'f2', 'f3', 'f4']) expect(gate.enter('flood', job(name))).toBe(true);
		await turn();
		// Two of the flood run; the third slot stays free for another source.
		expect(order).toEqual(['f1', 'f2']);
		expect(gate.enter('honest', job('h1'))).toBe(true);
		await turn();
		expect(order).toEqual(['f1', 'f2', 'h1']);
		// All slots taken: a registration waits in the first lane, ahead of the flood's queue.
		expect(gate.enter('honest', job('r1'), {first: true})).toBe(true);
		expect(order).toEqual(['f1', 'f2', 'h1']);
		await releaseAll(releases);
		expect(order).toEqual(['f1', 'f2', 'h1', 'r1', 'f3', 'f4']);
		// With a slot free, work entered first starts at once, in the same turn.
		expect(gate.enter('honest', job('r2'), {first: true})).toBe(true);
		expect(order.at(-1)).toBe('r2');
	});
});
