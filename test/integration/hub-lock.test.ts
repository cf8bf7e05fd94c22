import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {spawn} from 'node:child_process';
import {DirectoryHub} from '../../services/hub/directory-hub.js';
import {withDirectoryLock} from '../../services/hub/lock.js';
import {announceStatement} from '../../services/hub/statements.js';
import {newKeyPair, signDetached} from '../../services/keys/identity.js';

let directory: string;
beforeEach(async () => {
	directory = await mkdtemp(path.join(os.tmpdir(), 'ampzero-lock-'));
});
afterEach(async () => {
	await rm(directory, {recursive: true, force: true});
});

/** A lock left by a process that died holding it, in the form an older ampzero wrote it (a directory naming a dead pid). */
async function plantStaleLock(): Promise<void> {
	await mkdir(path.join(directory, 'lock'), {recursive: true});
	await writeFile(path.join(directory, 'lock', 'owner'), '999999999');
}

describe('the hub state lock', () => {
	it('contenders racing a stale lock never hold it together: a read-increment-write counter loses no update', async () => {
		const counter = path.join(directory, 'counter');
		for (let round = 0; round < 5; round++) {
			await writeFile(counter, '0');
			await plantStaleLock();
			let holders = 0;
			let most = 0;
			await Promise.all(
				Array.from({length: 12}, () =>
					withDirectoryLock(directory, async () => {
						holders += 1;
						most = Math.max(most, holders);
						const value = Number(await readFile(counter, 'utf8'));
						await new Promise(resolve => setTimeout(resolve, 2));
						await writeFile(counter, String(value + 1));
						holders -= 1;
					}),
				),
			);
			expect([round, most, Number(await readFile(counter, 'utf8'))]).toEqual([round, 1, 12]);
		}
	});
});

describe('the hub checks signatures before it takes the lock', () => {
	it('refuses forged announces and updates at once while another process holds the lock, then serves honest ones when it is free', async () => {
		const hub = new DirectoryHub(path.join(directory, 'hub'));
		const host = newKeyPair();
		const control = newKeyPair();
		const {id} = await hub.register('host', host.publicKey, control.publicKey);
		// Another process holds the hub's lock, as a slow init on the same embedded hub would.
		const holder = spawn('flock', ['--exclusive', path.join(directory, 'hub', 'lock.flock'), 'sleep', '30'], {stdio: 'ignore', detached: true});
		try {
			await new Promise(resolve => setTimeout(resolve, 300));
			const unsigned = {hostId: id, host: '203.0.113.5', port: 8040, at: new Date().toISOString(), sequence: 1};
			const started = Date.now();
			const forged = await Promise.allSettled(
				Array.from({length: 50}, () => hub.announce({...unsigned, signature: signDetached(announceStatement(unsigned), newKeyPair().secretKey)})),
			);
			await expect(hub.update('host', id, newKeyPair().publicKey, signDetached('not the statement', control.secretKey))).rejects.toThrow(/not signed by that identity's control key/);
			expect(Date.now() - started).toBeLessThan(2_000);
			expect(forged.every(result => result.status === 'rejected' && /not signed by that host's key/.test(String(result.reason)))).toBe(true);
			const honest = hub.announce({...unsigned, signature: signDetached(announceStatement(unsigned), host.secretKey)});
			await new Promise(resolve => setTimeout(resolve, 300));
			process.kill(-holder.pid!, 'SIGKILL');
			await honest;
			expect((await hub.lookup('host', id)).announced?.sequence).toBe(1);
		} finally {
			try {
				process.kill(-holder.pid!, 'SIGKILL');
			} catch {
				// Already gone.
			}
		}
	});
});

describe('concurrent inits against one embedded hub with a stale lock', () => {
	it('every instance gets its own ids', async () => {
		const {runAmpzero} = await import('../helpers/instance.js');
		const home = path.join(directory, 'home');
		await mkdir(path.join(home, 'hub', 'lock'), {recursive: true});
		await writeFile(path.join(home, 'hub', 'lock', 'owner'), '999999999');
		const results = await Promise.all(
			Array.from({length: 5}, (_, index) =>
				runAmpzero(['init', path.join(directory, `site${index}`), '--batch', '--json', '--amprun-root', path.join(directory, 'var')], {home}),
			),
		);
		const ids: string[] = [];
		for (const result of results) {
			expect(result.code, result.stderr).toBe(0);
			const summary = result.stdout
				.trim()
				.split('\n')
				.map(line => JSON.parse(line) as {userId?: number; hostId?: number})
				.find(record => record.userId !== undefined)!;
			ids.push(`user-${summary.userId}`, `host-${summary.hostId}`);
		}
		expect(new Set(ids).size).toBe(10);
	});
});
