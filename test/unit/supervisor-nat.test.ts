import {describe, expect, it} from 'vitest';
import {describeMapping, mapPortOnGateway} from '../../services/nat/map-port.js';

describe('NAT port mapping', () => {
	it('gives up within its timeout and never throws when no gateway answers', async () => {
		const began = Date.now();
		const mapping = await mapPortOnGateway(45678, 800);
		expect(Date.now() - began).toBeLessThan(3000);
		// This machine has no UPnP/NAT-PMP gateway; a machine with one maps the port.
		if (mapping.ok) expect(describeMapping(mapping)).toMatch(/^NAT: port 45678 mapped; reachable at /);
		else expect(describeMapping(mapping)).toMatch(/^NAT: /);
	});

	it('describes each outcome in one line', () => {
		expect(describeMapping({ok: false, reason: 'no UPnP/NAT-PMP gateway found'})).toBe('NAT: no UPnP/NAT-PMP gateway found');
		expect(describeMapping({ok: true, externalIp: '203.0.113.9', port: 8040})).toBe('NAT: port 8040 mapped; reachable at 203.0.113.9:8040');
	});
});
