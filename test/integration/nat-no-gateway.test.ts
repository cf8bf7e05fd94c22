import {spawn} from 'node:child_process';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {ampzeroBin, makeTestInstance, type TestInstance} from '../helpers/instance.js';
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

interface ForegroundRun {
	readyMs: number;
	/** From spawning `ampzero run` to the NAT notice. */
	natNoticeAfterMs?: number;
	natNotice?: string;
	code: number | null;
}

/** `run --no-daemon --batch` in the client namespace until all-ready (and the NAT notice, when NAT bypass is on), then SIGTERM. */
function runInForeground(extra: string[], waitForNat: boolean): Promise<ForegroundRun> {
	return new Promise((resolve, reject) => {
		const began = Date.now();
		const child = spawn('ip', ['netns', 'exec', lab!.client, process.execPath, ampzeroBin, 'run', instance!.directory, '--no-daemon', '--batch', '--no-hub', ...extra], {
			env: {...process.env, AMPZERO_HOME: instance!.home, CI: '1'},
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const result: Partial<ForegroundRun> = {};
		let output = '';
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`run did not get ready in 60 s:\n${output}`));
		}, 60_000);
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
			output += chunk;
			for (const line of chunk.split('\n')) {
				const ready = /^all daemons ready in (\d+) ms/.exec(line);
				if (ready) result.readyMs = Number(ready[1]);
				if (line.startsWith('NAT: ') && result.natNotice === undefined) {
					result.natNotice = line;
					result.natNoticeAfterMs = Date.now() - began;
				}
			}
			if (result.readyMs !== undefined && (!waitForNat || result.natNotice !== undefined) && child.exitCode === null && !child.killed) child.kill('SIGTERM');
		});
		child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
		child.on('exit', code => {
			clearTimeout(timer);
			if (result.readyMs === undefined) reject(new Error(`run ended before all-ready:\n${output}`));
			else resolve({...result, code} as ForegroundRun);
		});
	});
}

describe('NAT bypass with no gateway on the network', () => {
	it('says so within 5 s, and all-ready is not slower than with --no-nat-bypass', async () => {
		const without = await runInForeground(['--no-nat-bypass'], false);
		const withNat = await runInForeground([], true);
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
