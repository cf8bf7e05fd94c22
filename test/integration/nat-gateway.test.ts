import {appendFile} from 'node:fs/promises';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runAmpzeroIn} from '../helpers/in-namespace.js';
import {makeTestInstance, type TestInstance} from '../helpers/instance.js';
import {startNatLab, type NatLab} from '../helpers/nat-gateway.js';

let lab: NatLab | undefined;
let instance: TestInstance | undefined;

const leaseSeconds = 4;

beforeAll(async () => {
	lab = await startNatLab({gateway: true});
	instance = await makeTestInstance({name: 'natrun'});
	// Renewal at half the lease: every 2 s here.
	await appendFile(`${instance.directory}/amprun.yaml`, `nat_lease_seconds: ${leaseSeconds}\n`);
}, 60_000);

afterAll(async () => {
	if (lab && instance) await runAmpzeroIn(lab.client, ['run', instance.directory, 'quit'], {home: instance.home});
	lab?.cleanup();
	await instance?.cleanup();
}, 60_000);

async function until<T>(what: string, read: () => T | Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await read();
		if (accept(value)) return value;
		if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms; last seen: ${JSON.stringify(value)}`);
		await new Promise(resolve => setTimeout(resolve, 100));
	}
}

describe('NAT bypass against miniupnpd routing for the client namespace', () => {
	it('maps the frontend port while the instance runs, renews it, and removes it on stop', async () => {
		const {client, clientAddress, externalAddress} = lab!;
		const {directory, home, config} = instance!;
		const port = config.ports.frontend;
		const ours = (line: string): boolean => line.startsWith(`TCP:${port}:${clientAddress}:${port}:`);

		const run = await runAmpzeroIn(client, ['run', directory, '--batch'], {home});
		expect(run.stderr).toBe('');
		expect(run.code).toBe(0);

		const lease = await until('the mapping in the lease file', () => lab!.leases().find(ours), line => line !== undefined);
		expect(lab!.natRules()).toContain(`dport ${port} dnat ip to ${clientAddress}:${port}`);
		const status = await until(
			'status --json saying mapped',
			async () => JSON.parse((await runAmpzeroIn(client, ['run', directory, 'status', '--json'], {home})).stdout.split('\n')[0]!) as {nat: unknown},
			answer => (answer.nat as {state?: string} | null)?.state === 'mapped',
		);
		expect(status.nat).toEqual({state: 'mapped', externalIp: externalAddress, port, via: 'UPnP'});

		// Past the renewal interval the mapping is still there, and its lease was extended.
		const expiry = (line: string): number => Number(line.split(':')[4]);
		await new Promise(resolve => setTimeout(resolve, leaseSeconds * 1000 + 500));
		const renewed = lab!.leases().find(ours);
		expect(renewed).toBeDefined();
		expect(expiry(renewed!)).toBeGreaterThan(expiry(lease!));

		// The hub got the external address, not the host name.
		const lookup = await runAmpzeroIn(client, ['hub', 'lookup', String(config.hostId), '--json'], {home});
		expect(lookup.code, lookup.stderr).toBe(0);
		expect(JSON.parse(lookup.stdout)).toMatchObject({hostId: config.hostId, host: externalAddress, port});

		const stop = await runAmpzeroIn(client, ['run', directory, 'stop'], {home});
		expect(stop.code, stop.stderr).toBe(0);
		expect(lab!.leases().filter(ours)).toEqual([]);
		expect(lab!.natRules()).not.toContain(`dport ${port}`);
	}, 90_000);
});

describe('NAT bypass against a NAT-PMP-only miniupnpd', () => {
	it('falls back to NAT-PMP, whose short lease lives only because run renews it, and removes it on stop', async () => {
		const pmpLab = await startNatLab({gateway: true, upnp: false});
		const pmpInstance = await makeTestInstance({name: 'natpmp'});
		try {
			await appendFile(`${pmpInstance.directory}/amprun.yaml`, `nat_lease_seconds: ${leaseSeconds}\n`);
			const {client, clientAddress, externalAddress} = pmpLab;
			const {directory, home, config} = pmpInstance;
			const port = config.ports.frontend;
			const ours = (line: string): boolean => line.startsWith(`TCP:${port}:${clientAddress}:${port}:`);
			const run = await runAmpzeroIn(client, ['run', directory, '--batch', '--no-hub'], {home});
			expect(run.code, run.stderr).toBe(0);
			await until('the NAT-PMP mapping in the lease file', () => pmpLab.leases().find(ours), line => line !== undefined);
			const status = JSON.parse((await runAmpzeroIn(client, ['run', directory, 'status', '--json'], {home})).stdout.split('\n')[0]!) as {nat: unknown};
			expect(status.nat).toEqual({state: 'mapped', externalIp: externalAddress, port, via: 'NAT-PMP'});
			// The lease is the short one asked for (miniupnpd drops an expired NAT-PMP mapping within
			// seconds), and three leases later the mapping is still there: each was renewed in time.
			const expiresIn = (): number => Number(pmpLab.leases().find(ours)?.split(':')[4]) - Date.now() / 1000;
			expect(expiresIn()).toBeLessThanOrEqual(leaseSeconds + 1);
			await new Promise(resolve => setTimeout(resolve, leaseSeconds * 3000));
			expect(pmpLab.leases().filter(ours)).toHaveLength(1);
			expect(expiresIn()).toBeGreaterThan(0);
			expect(pmpLab.natRules()).toContain(`dport ${port} dnat ip to ${clientAddress}:${port}`);
			const stop = await runAmpzeroIn(client, ['run', directory, 'stop'], {home});
			expect(stop.code, stop.stderr).toBe(0);
			expect(pmpLab.natRules()).not.toContain(`dport ${port}`);
			expect(pmpLab.leases().filter(ours)).toEqual([]);
		} finally {
			await runAmpzeroIn(pmpLab.client, ['run', pmpInstance.directory, 'quit'], {home: pmpInstance.home});
			pmpLab.cleanup();
			await pmpInstance.cleanup();
		}
	}, 120_000);
});

describe('NAT bypass when the gateway goes away', () => {
	it('says the mapping is lost, and stop still ends the run promptly', async () => {
		const goneLab = await startNatLab({gateway: true, upnp: false});
		const goneInstance = await makeTestInstance({name: 'natgone'});
		try {
			await appendFile(`${goneInstance.directory}/amprun.yaml`, `nat_lease_seconds: ${leaseSeconds}\n`);
			const {client} = goneLab;
			const {directory, home} = goneInstance;
			const run = await runAmpzeroIn(client, ['run', directory, '--batch', '--no-hub'], {home});
			expect(run.code, run.stderr).toBe(0);
			const natState = async (): Promise<{state?: string; reason?: string}> =>
				(JSON.parse((await runAmpzeroIn(client, ['run', directory, 'status', '--json'], {home})).stdout.split('\n')[0]!) as {nat: {state?: string}}).nat;
			await until('mapped', natState, nat => nat.state === 'mapped');
			goneLab.stopGateway();
			const lost = await until('lost', natState, nat => nat.state === 'lost', 15_000);
			expect(lost.reason).toBeTruthy();
			const began = Date.now();
			const stop = await runAmpzeroIn(client, ['run', directory, 'stop'], {home});
			expect(stop.code, stop.stderr).toBe(0);
			expect(Date.now() - began).toBeLessThan(10_000);
		} finally {
			await runAmpzeroIn(goneLab.client, ['run', goneInstance.directory, 'quit'], {home: goneInstance.home});
			goneLab.cleanup();
			await goneInstance.cleanup();
		}
	}, 120_000);
});
