import {mkdir, mkdtemp, rm, stat} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {chromium, type BrowserContext} from 'playwright-core';
import {afterAll, beforeAll, expect, test} from 'vitest';
import {createLoginLink} from '../../services/login.js';
import {startInstanceDaemons, type RunningDaemons} from '../helpers/daemons.js';
import {checkoutDirectory, makeTestInstance, type TestInstance} from '../helpers/instance.js';
import {gotoSteadily} from '../helpers/browser.js';

const screenshot = path.join(checkoutDirectory, 'test-artifacts', 'landing.png');

let instance: TestInstance;
let daemons: RunningDaemons | undefined;
let context: BrowserContext | undefined;
let profile: string | undefined;

beforeAll(async () => {
	instance = await makeTestInstance({name: 'browser'});
	daemons = await startInstanceDaemons(instance.config, instance.directory, {env: {AMPZERO_HOME: instance.home}});
	profile = await mkdtemp(path.join(os.tmpdir(), 'ampzero-chromium-'));
	// A persistent context in a fresh profile directory: nothing from another run leaks in.
	context = await chromium.launchPersistentContext(profile, {
		executablePath: '/usr/bin/chromium',
		headless: true,
		ignoreHTTPSErrors: true,
		args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
		timeout: 30_000,
	});
}, 120_000);

afterAll(async () => {
	await context?.close();
	await daemons?.stopAll();
	await instance?.cleanup();
	if (profile) await rm(profile, {recursive: true, force: true});
});

test('a real browser opens the login link and lands on the page saying who is signed in, on which host', async () => {
	const {config} = instance;
	const page = await context!.newPage();

	await gotoSteadily(page, `https://localhost:${config.ports.frontend}/`);
	expect(new URL(page.url()).pathname).toBe('/signed-out');
	expect(await page.textContent('body')).toContain(`ampzero run ${config.name} login`);

	const link = await createLoginLink(config, instance.directory);
	const response = await page.goto(link);
	expect(response?.status()).toBe(200);
	expect(new URL(page.url()).pathname).toBe('/');
	const text = await page.textContent('body');
	expect(text).toContain(`Signed in as ${config.userName} (user ${config.userId}) on host ${config.hostId}`);
	expect(await page.title()).toBe(config.title);

	const cookies = await context!.cookies(`https://localhost:${config.ports.frontend}/`);
	const session = cookies.find(cookie => cookie.name === 'ampzero_session');
	expect(session).toMatchObject({httpOnly: true, secure: true, sameSite: 'Lax'});

	await mkdir(path.dirname(screenshot), {recursive: true});
	await page.screenshot({path: screenshot, fullPage: true});
	expect((await stat(screenshot)).size).toBeGreaterThan(1_000);

	// Reloading keeps the session; the used link no longer works.
	await page.reload();
	expect(await page.textContent('body')).toContain(`on host ${config.hostId}`);
	const reused = await page.goto(link);
	expect(reused?.status()).toBe(400);
});
