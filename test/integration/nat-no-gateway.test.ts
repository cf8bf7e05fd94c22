import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runInForeground} from '../helpers/foreground-run.js';
import {makeTestInstance, type TestInstance} from '../helpers/instance.js';
import {startNatLab, type NatLab} from '../helpers/nat-gateway.js';

let lab: NatLab | undefined;
let instance: TestInstance | undefined;

beforeAll(async () => {
	// A client namespace whose only neighbour runs no UPnP/NAT-PMP gateway.
	lab = await startNatLab({gateway: false});
	instance = await makeTestInstance({name: 'nogateway'});
}, 60_000);

afterAll(async () => {
	lab?.cleanup();
	await instance?.cleanup();
}, 60_000);

describe('NAT bypass with no gateway on the network', () => {
	it('says so within 5 s, and all-ready is not slower than with --no-nat-bypass', async () => {
		const without = await runInForeground(lab!.client, instance!.directory, instance!.home, ['--no-hub', '--no-nat-bypass'], false);
		const withNat = await runInForeground(lab!.client, instance!.directory, instance!.home, ['--no-hub'], true);
		expect(withNat.natNotice).toMatch(/^NAT: no UPnP\/NAT-PMP gateway/);
		expect(withNat.natNoticeAfterMs).toBeLessThan(5000);
		expect(withNat.code).toBe(0);
		expect(without.code).toBe(0);
		// The search runs beside start-up: the two times differ only by the machine's noise.
		const ratio = withNat.readyMs / without.readyMs;
		console.log(`all-ready: ${withNat.readyMs} ms with NAT bypass, ${without.readyMs} ms without (ratio ${ratio.toFixed(2)}); NAT notice after ${withNat.natNoticeAfterMs} ms`);
		expect(withNat.readyMs).toBeLessThan(without.readyMs * 1.5 + 500);
	}, 150_000);
});
