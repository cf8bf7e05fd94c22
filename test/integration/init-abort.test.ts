import {spawn} from 'node:child_process';
import {mkdir, mkdtemp, readdir, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {defaultAnswers} from '../../services/config/defaults.js';
import {DirectoryHub} from '../../services/hub/directory-hub.js';
import {createInstance} from '../../services/instance/create.js';
import type {InitEvent} from '../../services/instance/types.js';
import {freePort} from '../helpers/ports.js';
import {ampzeroBin} from '../helpers/instance.js';

let root: string;
const savedHome = process.env['AMPZERO_HOME'];

beforeEach(async () => {
	root = await mkdtemp(path.join(os.tmpdir(), 'ampzero-abort-'));
	process.env['AMPZERO_HOME'] = path.join(root, 'home');
});

afterEach(async () => {
	if (savedHome === undefined) delete process.env['AMPZERO_HOME'];
	else process.env['AMPZERO_HOME'] = savedHome;
	await rm(root, {recursive: true, force: true});
});

function answers(): ReturnType<typeof defaultAnswers> {
	return {...defaultAnswers(), amprunRoot: path.join(root, 'var')};
}

/** What is left beside the target (the amprun root and home are expected). */
async function leftovers(): Promise<string[]> {
	return (await readdir(root)).filter(name => name !== 'var' && name !== 'home');
}

describe('creating an instance is all or nothing', () => {
	for (const stopAfter of ['hub', 'keys', 'files', 'certificate', 'git']) {
		it(`an abort after the ${stopAfter} step leaves nothing`, async () => {
			const controller = new AbortController();
			const seen: InitEvent[] = [];
			const run = async (): Promise<void> => {
				for await (const event of createInstance(path.join(root, 'demo'), answers(), {clobber: false, signal: controller.signal})) {
					seen.push(event);
					if (event.type === 'step-done' && event.step === stopAfter) controller.abort(new Error('stopped by the test'));
				}
			};
			await expect(run()).rejects.toThrow('stopped by the test');
			expect(seen.at(-1)).toMatchObject({type: 'step-failed', error: 'cancelled'});
			expect(await leftovers()).toEqual([]);
		});
	}

	it('an abort while the first step is still working leaves nothing', async () => {
		const controller = new AbortController();
		const run = async (): Promise<void> => {
			for await (const event of createInstance(path.join(root, 'demo'), answers(), {clobber: false, signal: controller.signal})) {
				if (event.type === 'step-start' && event.step === 'check') setImmediate(() => controller.abort(new Error('stopped by the test')));
			}
		};
		await expect(run()).rejects.toThrow('stopped by the test');
		expect(await leftovers()).toEqual([]);
	});

	it('a caller that stops listening midway (the form closing) leaves nothing', async () => {
		for await (const event of createInstance(path.join(root, 'demo'), answers(), {clobber: false})) {
			if (event.type === 'step-done' && event.step === 'files') break;
		}
		expect(await leftovers()).toEqual([]);
	});

	it('an unreachable hub fails the hub step, names the URL, and leaves nothing', async () => {
		const url = `http://127.0.0.1:${await freePort()}`;
		const events: InitEvent[] = [];
		const run = async (): Promise<void> => {
			for await (const event of createInstance(path.join(root, 'demo'), {...answers(), hub: url}, {clobber: false})) events.push(event);
		};
		await expect(run()).rejects.toThrow(`the hub at ${url} cannot be reached`);
		expect(events.at(-1)).toMatchObject({type: 'step-failed', step: 'hub'});
		expect(await leftovers()).toEqual([]);
	});

	it('^C during the batch command removes the half-made instance', async () => {
		// Hold the embedded hub's lock so init waits in the keys step, then interrupt it there.
		const hubState = path.join(root, 'home', 'hub');
		await new DirectoryHub(hubState).publicKey();
		await mkdir(path.join(hubState, 'lock'), {recursive: true});
		await writeFile(path.join(hubState, 'lock', 'owner'), String(process.pid));
		const child = spawn(process.execPath, [ampzeroBin, 'init', path.join(root, 'demo'), '--batch', '--amprun-root', path.join(root, 'var')], {
			env: {...process.env, AMPZERO_HOME: path.join(root, 'home')},
			detached: true,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		try {
			let output = '';
			child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
			let stderr = '';
			child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
			for (let waited = 0; !output.includes('✓ hub') && waited < 10_000; waited += 20) await new Promise(resolve => setTimeout(resolve, 20));
			expect(output).toContain('✓ hub');
			expect((await readdir(root)).some(name => name.startsWith('.demo.partial-'))).toBe(true);
			child.kill('SIGINT');
			const code = await new Promise<number | null>(resolve => child.on('close', resolve));
			expect(code).toBe(1);
			expect(stderr).toContain(`init interrupted; nothing was created at ${path.join(root, 'demo')}`);
			expect(await leftovers()).toEqual([]);
		} finally {
			if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
		}
	});
});
