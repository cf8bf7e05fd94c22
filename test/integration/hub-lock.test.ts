import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {withDirectoryLock} from '../../services/hub/lock.js';

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
