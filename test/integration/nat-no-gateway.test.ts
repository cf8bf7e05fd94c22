import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runInForeground, type ForegroundRun} from '../helpers/foreground-run.js';
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
		// Alternating, twice each: the fastest of each pair is the least disturbed by the machine's load.
		const runs = {with: [] as ForegroundRun[], without: [] as ForegroundRun[]};
		for (let round = 0; round < 2; round++) {
			runs.without.push(await runInForeground(lab!.client, instance!.directory, instance!.home, ['--no-hub', '--no-nat-bypass'], false));
			runs.with.push(await runInForeground(lab!.client, instance!.directory, instance!.home, ['--no-hub'], true));
		}
		const fastest = (list: ForegroundRun[]): ForegroundRun => list.reduce((best, run) => (run.readyMs < best.readyMs ? run : best));
		const withNat = fastest(runs.with);
		const without = fastest(runs.without);
		// Counted from the run's first line: how long node takes to load the CLI on a busy machine is not NAT's doing (bench:nat reports it from the command's start).
		for (const run of runs.with) expect(run.natNoticeAfterStartMs).toBeLessThan(5000);
		expect(withNat.natNotice).toMatch(/^NAT: no UPnP\/NAT-PMP gateway/);
		for (const run of [...runs.with, ...runs.without]) expect(run.code).toBe(0);
		// The search runs beside start-up: the two times differ only by the machine's noise.
		const ratio = withNat.readyMs / without.readyMs;
		console.log(`all-ready: ${withNat.readyMs} ms with NAT bypass, ${without.readyMs} ms without (ratio ${ratio.toFixed(2)}); NAT notice ${withNat.natNoticeAfterStartMs} ms after the run's first line (${withNat.natNoticeAfterMs} ms after the command started)`);
		expect(withNat.readyMs).toBeLessThan(without.readyMs * 1.5 + 500);
	}, 150_000);
});
