import {existsSync} from 'node:fs';
import {mkdtemp, readdir, readFile, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {cleanup} from 'ink-testing-library';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {CreateScreen, type CreateResult} from '../../screens/init/CreateScreen.js';
import type {InitAnswers} from '../../services/instance/types.js';
import {CTRL_C, ENTER} from '../helpers/keys.js';
import {freePorts} from '../helpers/ports.js';
import {fixedAnswers} from './fixtures.js';
import {renderAt, screenText, sendInput, waitForContent} from './ui.js';

let root: string;
const savedHome = process.env['AMPZERO_HOME'];

beforeEach(async () => {
	root = await mkdtemp(path.join(os.tmpdir(), 'ampzero-create-screen-'));
	process.env['AMPZERO_HOME'] = path.join(root, 'home');
});
afterEach(async () => {
	cleanup();
	if (savedHome === undefined) delete process.env['AMPZERO_HOME'];
	else process.env['AMPZERO_HOME'] = savedHome;
	await rm(root, {recursive: true, force: true});
});

async function answers(): Promise<InitAnswers> {
	const [frontend, http, keyspaceClient, keyspacePeer, redisLive, redisData, logstore, zerodata, ampnode] = (await freePorts(9)) as [number, number, number, number, number, number, number, number, number];
	return {...fixedAnswers(), amprunRoot: path.join(root, 'var'), ports: {frontend, http, keyspaceClient, keyspacePeer, redisLive, redisData, logstore, zerodata, ampnode: [ampnode]}};
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error('timed out');
		await new Promise(resolve => setTimeout(resolve, 10));
	}
}

describe('the creation screen, with the real service', () => {
	it('ticks off every step, shows the summary, and leaves with Enter', async () => {
		const given = await answers();
		const directory = path.join(root, 'demo');
		const results: CreateResult[] = [];
		const rendered = await renderAt(<CreateScreen directory={directory} answers={given} clobber={false} onResult={result => results.push(result)} />);
		await waitForContent(rendered, 'Created the instance demo', 30_000);
		expect(screenText(rendered)).toContain(`https://localhost:${given.ports.frontend}`);
		expect(results).toEqual([]);
		await sendInput(rendered, ENTER);
		await until(() => results.length > 0);
		expect(results[0]).toMatchObject({type: 'done', summary: {path: directory, name: 'demo'}});
		expect(await readFile(path.join(directory, 'amprun.yaml'), 'utf8')).toContain('title: Demo instance');
	});

	it('^C while creating aborts through the signal and nothing is left', async () => {
		const directory = path.join(root, 'demo');
		const results: CreateResult[] = [];
		const rendered = await renderAt(<CreateScreen directory={directory} answers={await answers()} clobber={false} onResult={result => results.push(result)} />);
		// Once the first step is ticked, the next one is running.
		await until(() => screenText(rendered).includes('✓'));
		rendered.stdin.write(CTRL_C);
		await until(() => results.length > 0);
		expect(results).toEqual([{type: 'aborted'}]);
		expect(existsSync(directory)).toBe(false);
		expect((await readdir(root)).filter(name => name !== 'var' && name !== 'home')).toEqual([]);
	});
});
