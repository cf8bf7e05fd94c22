import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createLoginLink} from '../../services/login.js';
import {startInstanceDaemons, type RunningDaemons} from '../helpers/daemons.js';
import {cookieFrom, getUrl} from '../helpers/https-request.js';
import {makeTestInstance, type TestInstance} from '../helpers/instance.js';
import {endInstance} from '../helpers/run-processes.js';

const run = promisify(execFile);

/** The frontend as a browser meets it: nginx's security headers, and a sign-out that only a POST from the site itself does. */
describe('the frontend', () => {
	let instance: TestInstance;
	let daemons: RunningDaemons | undefined;
	let frontend = '';

	beforeAll(async () => {
		instance = await makeTestInstance({name: 'front'});
		daemons = await startInstanceDaemons(instance.config, instance.directory, {env: {AMPZERO_HOME: instance.home}});
		frontend = `https://127.0.0.1:${instance.config.ports.frontend}`;
	}, 90_000);

	afterAll(async () => {
		await daemons?.stopAll();
		await endInstance(instance);
	}, 60_000);

	it('sends the frame, nosniff and referrer headers on every answer (`curl -sI`)', async () => {
		for (const page of ['/', '/signed-out', '/upgrading.html', '/no-such-page']) {
			const {stdout} = await run('curl', ['-sIk', '--max-time', '5', `${frontend}${page}`]);
			const headers = stdout.toLowerCase();
			expect(headers, page).toContain('x-frame-options: deny');
			expect(headers, page).toContain("content-security-policy: frame-ancestors 'none'");
			expect(headers, page).toContain('x-content-type-options: nosniff');
			expect(headers, page).toContain('referrer-policy: no-referrer');
		}
	});

	it('signs out only with a POST: a GET (a link or an image from another site) leaves the session alone', async () => {
		const login = await getUrl(await createLoginLink(instance.config, instance.directory));
		const name = 'ampzero_session';
		expect(String(login.headers['set-cookie'])).toMatch(/ampzero_session=[^;]+;.*SameSite=Lax/i);
		const cookie = cookieFrom(login, name)!;
		const header = ['-H', `cookie: ${cookie}`];
		const status = async (args: string[], page: string): Promise<string> =>
			(await run('curl', ['-sk', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', ...header, ...args, `${frontend}${page}`])).stdout;
		expect(await status([], '/logout')).toBe('405');
		expect(await status([], '/')).toBe('200');
		expect(await status(['-X', 'POST'], '/logout')).toBe('303');
		// The session is gone: the home page sends to /signed-out.
		expect(await status([], '/')).toBe('303');
	});
});
