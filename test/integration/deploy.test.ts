import {existsSync, lstatSync, readFileSync, readlinkSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {httpsStatus} from '../../services/deploy/health.js';
import {changeInstanceFile, deploy, makeDeployFixture, type DeployFixture} from '../helpers/deploy-fixture.js';
import {startSshHosts, type SshTestHosts} from '../helpers/ssh-hosts.js';

let harness: SshTestHosts | undefined;
let fixture: DeployFixture | undefined;

beforeAll(async () => {
	harness = await startSshHosts(3);
	fixture = await makeDeployFixture(harness);
}, 120_000);

afterAll(async () => {
	await harness?.cleanup();
	await fixture?.cleanup();
}, 60_000);

function https(host: {address: string}, urlPath = '/health'): Promise<{status?: number; error?: string}> {
	return httpsStatus(host.address, fixture!.instance.config.ports.frontend, urlPath, 5000);
}

/** What a failed deploy said: stderr, its last events and the last lines of its log file. */
function why(result: {stderr: string; events: Array<Record<string, any>>}): string {
	const plan = result.events.find(event => event.type === 'deploy-plan')?.plan;
	let log = '';
	try {
		log = readFileSync(plan.logFile, 'utf8').split('\n').slice(-60).join('\n');
	} catch {}
	return `${result.stderr}\n${result.events.filter(event => event.type === 'step-end' && !event.ok).map(event => JSON.stringify(event)).join('\n')}\n${log}`;
}

function stepEnds(events: Array<Record<string, any>>, step: string): Array<Record<string, any>> {
	return events.filter(event => event.type === 'step-end' && event.step === step);
}

describe('ampzero deploy to three SSH hosts', () => {
	it('first deploy: every host serves the new release over HTTPS, in the README layout, no lock left', async () => {
		const result = await deploy(fixture!);
		expect(result.code, why(result)).toBe(0);
		const plan = result.events.find(event => event.type === 'deploy-plan')!.plan;
		expect(plan.hosts.map((host: {transfer: string}) => host.transfer)).toEqual(['full', 'full', 'full']);
		for (const host of harness!.hosts) {
			const dist = path.join(host.optDirectory, 'ampzero', 'dist');
			expect(readlinkSync(path.join(dist, 'ampify'))).toBe(plan.ampifyRelease);
			expect(readlinkSync(path.join(dist, 'instance'))).toBe(plan.instanceRelease);
			expect(readFileSync(path.join(dist, '.current'), 'utf8')).toBe(`${plan.ampifyRelease}\n${plan.instanceRelease}\n`);
			expect(existsSync(path.join(dist, 'lock-file'))).toBe(false);
			expect(lstatSync(path.join(dist, 'patches')).isDirectory()).toBe(true);
			expect(existsSync(path.join(host.optDirectory, 'ampzero', 'var'))).toBe(true);
			expect((await https(host)).status).toBe(200);
			expect((await https(host, '/')).status).toBe(200);
		}
	}, 240_000);

	it('a one-file change goes out as patches', async () => {
		changeInstanceFile(fixture!, 'second release');
		const result = await deploy(fixture!);
		expect(result.code, why(result)).toBe(0);
		const plan = result.events.find(event => event.type === 'deploy-plan')!.plan;
		expect(plan.hosts.map((host: {transfer: string}) => host.transfer)).toEqual(['patch', 'patch', 'patch']);
		for (const end of stepEnds(result.events, 'transfer')) expect(end.bytes).toBeLessThan(20_000);
		for (const host of harness!.hosts) {
			const dist = path.join(host.optDirectory, 'ampzero', 'dist');
			expect(readlinkSync(path.join(dist, 'instance'))).toBe(plan.instanceRelease);
			expect(readFileSync(path.join(dist, '.previous'), 'utf8')).toMatch(/^ampify-[0-9a-f]{10}\ninstance-[0-9a-f]{10}\n$/);
			expect((await https(host, '/index.html')).status).toBe(200);
		}
	}, 240_000);
});
