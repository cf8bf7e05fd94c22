import {describe, expect, it} from 'vitest';
import {NatMappingKeeper} from '../../services/nat/mapping-keeper.js';
import {describeNat, shortNat, type NatStatus} from '../../services/nat/nat-status.js';
import type {GatewayMapping, PortMapper} from '../../services/nat/port-mapper.js';
import {RegistrationLimiter} from '../../services/hub/rate-limit.js';

/** A gateway whose answers the test scripts: each renew takes the next answer. */
class ScriptedMapper implements PortMapper {
	released = 0;
	renewals = 0;
	constructor(
		private readonly first: GatewayMapping | Error | 'never',
		private readonly answers: Array<GatewayMapping | Error>,
	) {}
	map(_port: number, _lease: number, signal: AbortSignal): Promise<GatewayMapping> {
		if (this.first === 'never') return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
		return this.first instanceof Error ? Promise.reject(this.first) : Promise.resolve(this.first);
	}
	renew(): Promise<GatewayMapping> {
		const next = this.answers[Math.min(this.renewals++, this.answers.length - 1)]!;
		return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
	}
	async release(): Promise<void> {
		this.released += 1;
	}
}

const mapping = (externalIp: string): GatewayMapping => ({externalIp, externalPort: 8040, internalHost: '192.168.1.5', via: 'UPnP'});
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

describe('the NAT mapping keeper', () => {
	it('maps, renews before the lease ends, says when the mapping is lost, recovers, follows a new address, and releases once on stop', async () => {
		const mapper = new ScriptedMapper(mapping('203.0.113.9'), [mapping('203.0.113.9'), new Error('the gateway did not answer'), mapping('203.0.113.77')]);
		const seen: NatStatus[] = [];
		const keeper = new NatMappingKeeper(mapper, 8040, {leaseSeconds: 60, renewAfterMs: 40}, status => seen.push(status));
		await keeper.start();
		expect(keeper.current).toEqual({state: 'mapped', externalIp: '203.0.113.9', port: 8040, via: 'UPnP'});
		await sleep(200);
		await Promise.all([keeper.stop(), keeper.stop()]);
		const states = seen.map(status => status.state);
		expect(states.slice(0, 6)).toEqual(['searching', 'mapped', 'renewing', 'mapped', 'renewing', 'lost']);
		expect(seen[5]).toMatchObject({state: 'lost', externalIp: '203.0.113.9', reason: 'the gateway did not answer'});
		expect(seen.find(status => status.externalIp === '203.0.113.77')?.state).toBe('mapped');
		expect(mapper.released).toBe(1);
		const count = seen.length;
		await sleep(100);
		expect(seen.length).toBe(count);
	});

	it('with no gateway: "none" within the search timeout, never a throw', async () => {
		const seen: NatStatus[] = [];
		const keeper = new NatMappingKeeper(new ScriptedMapper('never', []), 8040, {leaseSeconds: 60, searchTimeoutMs: 100}, status => seen.push(status));
		const began = Date.now();
		await keeper.start();
		expect(Date.now() - began).toBeLessThan(1000);
		expect(keeper.current).toEqual({state: 'none', reason: 'no UPnP/NAT-PMP gateway answered within 0.1 s'});
		await keeper.stop();
	});

	it('describes each state in one line and a short header field', () => {
		expect(describeNat({state: 'mapped', externalIp: '203.0.113.9', port: 8040, via: 'NAT-PMP'})).toBe('NAT: port 8040 mapped via NAT-PMP; reachable at 203.0.113.9:8040');
		expect(describeNat({state: 'lost', port: 8040, reason: 'timeout'})).toBe('NAT: lost the mapping of port 8040 (timeout); retrying');
		expect(shortNat({state: 'renewing', externalIp: '203.0.113.9', port: 8040})).toBe('NAT 203.0.113.9:8040 (renewing)');
		expect(shortNat({state: 'none', reason: 'x'})).toBe('NAT none');
	});
});

describe('the registration limiter', () => {
	it('allows N per source and M in total per window, and says when a slot frees', () => {
		const limiter = new RegistrationLimiter({perSource: 2, total: 3, windowMs: 60_000});
		expect(limiter.take('10.0.0.1', 0).ok).toBe(true);
		expect(limiter.take('10.0.0.1', 1000).ok).toBe(true);
		expect(limiter.take('10.0.0.1', 2000)).toEqual({ok: false, retryAfterSeconds: 58, reason: 'too many registrations from 10.0.0.1: at most 2 a minute'});
		expect(limiter.take('10.0.0.2', 3000).ok).toBe(true);
		expect(limiter.take('10.0.0.3', 4000)).toMatchObject({ok: false, reason: 'too many registrations at this hub: at most 3 a minute in total'});
		expect(limiter.take('10.0.0.1', 60_001).ok).toBe(true);
	});
});
