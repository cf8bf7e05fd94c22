import {afterAll, afterEach, describe, expect, it} from 'vitest';
import type {DeployEvent, DeployPlan} from '../../services/deploy/events.js';
import {deployUpTo, fixedClock, fixedNow, hostNames, outputLines, planOf, ScriptedDeploy, startStep, stepAt, successEnd} from './deploy-fixtures.js';
import {ARROW_DOWN, ENTER} from '../helpers/keys.js';
import type {Rendered} from './ui.js';

// Colour output is decided when chalk loads: force it before Ink is imported, so the difference NO_COLOR makes shows.
const previousForce = process.env['FORCE_COLOR'];
process.env['FORCE_COLOR'] = '1';
const {DeployScreen} = await import('../../screens/deploy/DeployScreen.js');
const {renderAt, screenText, sendInputAndWaitForChange, waitForContent} = await import('./ui.js');
afterAll(() => {
	if (previousForce === undefined) delete process.env['FORCE_COLOR'];
	else process.env['FORCE_COLOR'] = previousForce;
});

const mounted: Rendered[] = [];
afterEach(() => {
	for (const app of mounted.splice(0)) app.unmount();
});

/** The screen at 80×24 unless told; `color` unset: the screen decides from the environment, as the app does. */
async function mount(options: {hosts?: number; color?: boolean; columns?: number; rows?: number} = {}) {
	const deploy = new ScriptedDeploy();
	const plan = planOf(hostNames(options.hosts ?? 3));
	const leaves: number[] = [];
	const colorProp = options.color === undefined ? {} : {color: options.color};
	const app = await renderAt(
		<DeployScreen events={deploy} abort={deploy.abort} onLeave={code => leaves.push(code)} instance="kickass" clock={fixedClock} frameMs={5} {...colorProp} />,
		{columns: options.columns ?? 80, rows: options.rows ?? 24},
	);
	mounted.push(app);
	return {deploy, plan, leaves, app, screen: () => screenText(app)};
}

/** The frame fits the size it claims: as many lines as rows (every screen fills the terminal), none wider than the columns. */
function expectFits(screen: string, columns: number, rows: number): void {
	const lines = screen.split('\n');
	expect(lines.length).toBe(rows);
	expect(Math.max(...lines.map(line => line.length))).toBeLessThanOrEqual(columns);
}

/** web2 fails its pre_update; the others roll back. */
function failedPreUpdate(plan: DeployPlan): DeployEvent[] {
	const [web1, web2, db] = plan.hosts.map(host => host.host) as [string, string, string];
	return [
		...deployUpTo(plan, 'pre-update'),
		...startStep(plan, 'pre-update'),
		...outputLines(web2, 'pre-update', ['running /opt/ampzero/dist/instance/pre_update.sh', 'migrating sessions…', 'Error: redis-data refused the connection']),
		{type: 'step-end', host: web1, step: 'pre-update', ok: true, ms: 1200},
		{type: 'step-end', host: db, step: 'pre-update', ok: true, ms: 1300},
		{type: 'step-end', host: web2, step: 'pre-update', ok: false, ms: 2100, error: 'pre_update exited with code 1 (after 2.1 s)'},
		{type: 'host-state', host: web2, state: 'failed'},
		{type: 'phase', phase: 'rolling-back', at: stepAt('placeholder-on')},
		{type: 'host-state', host: web1, state: 'rolling-back'},
		{type: 'host-state', host: db, state: 'rolled-back'},
	];
}

const unpackOutput = ['unpacking ampify-3f9a0c12de.tar (2,114 files)', 'unpacking instance-8b7e61d0a4.tar (87 files)', 'manifest written: 2,201 entries'];

describe('deploy screen at 80×24', () => {
	it('before the first host: each building step with its time, the running one ticking from when it started', async () => {
		const {deploy, app, screen} = await mount();
		deploy.push(
			{type: 'phase', phase: 'planning', at: fixedNow - 9000},
			{type: 'build-step', what: 'instance-8b7e61d0a4: archive', state: 'running', at: fixedNow - 9000},
			{type: 'build-step', what: 'instance-8b7e61d0a4: archive', state: 'ok', at: fixedNow - 9000, ms: 400},
			{type: 'build-step', what: 'ampify-3f9a0c12de: build', state: 'running', at: fixedNow - 6500},
		);
		await waitForContent(app, 'ampify-3f9a0c12de: build');
		const text = screen();
		expect(text).toMatch(/planning 9\.0 s/);
		expect(text).toContain('building the releases');
		expect(text).toMatch(/✓ instance-8b7e61d0a4: archive 0\.4 s/);
		expect(text).toMatch(/▸ ampify-3f9a0c12de: build 6\.5 s/);
		expect(text).not.toContain('(no host yet)');
	});

	it('three hosts mid-deploy: phase, counts, a row per host, the selected host’s output', async () => {
		const {deploy, plan, app, screen} = await mount();
		const [web1, web2] = plan.hosts;
		deploy.push(...deployUpTo(plan, 'unpack'), ...startStep(plan, 'unpack'));
		deploy.push(...outputLines(web1!.host, 'unpack', unpackOutput));
		deploy.push({type: 'step-end', host: web2!.host, step: 'unpack', ok: true, ms: 800}, {type: 'host-state', host: web2!.host, state: 'waiting'});
		await waitForContent(app, 'manifest written');
		const text = screen();
		expectFits(text, 80, 24);
		expect(text).toContain('deploying 8.3 s  step 6/19 unpack');
		expect(text).toContain('▸ 2 running, · 1 waiting');
		expect(text).toMatch(/› ▸ root@web1\.example\.net +unpack +█+░+ +5\/19 +34\.2 kB patch/);
		expect(text).toMatch(/· root@web2\.example\.net +unpack +█+░+ +6\/19 +35\.2 kB patch/);
		expect(text).toMatch(/▸ deploy@db\.example\.net:… +unpack .* 18\.4 MB full +7\.8 s/);
		expect(text).toMatchSnapshot();
	});

	it('a failed host: its error and the failed step’s output, the others rolling back', async () => {
		const {deploy, plan, app, screen} = await mount();
		deploy.push(...failedPreUpdate(plan));
		await waitForContent(app, 'rolling back');
		await waitForContent(app, 'pre_update exited');
		const text = screen();
		expectFits(text, 80, 24);
		expect(text).toContain('↶ 1 rolling-back');
		expect(text).toContain('✗ 1 failed');
		expect(text).toMatch(/› ✗ root@web2\.example\.net +pre-update /);
		expect(text).toContain('root@web2.example.net · pre-update failed');
		expect(text).toContain('Error: redis-data refused the connection');
		expect(text).toMatchSnapshot();
	});

	it('the summary at the end: each host’s result, time and release, the selected host’s step times; q leaves', async () => {
		const {deploy, plan, app, screen, leaves} = await mount();
		deploy.push(...deployUpTo(plan, 'unlock'), ...startStep(plan, 'unlock'), successEnd(plan));
		deploy.end();
		await waitForContent(app, 'time per step');
		const text = screen();
		expectFits(text, 80, 24);
		expect(text).toContain('✓ deployed');
		expect(text).toContain('28.9 s');
		expect(text).toMatch(/› ✓ root@web1\.example\.net +done +26\.6 s +34\.2 kB patch +ampify-3f9a0c12de/);
		expect(text).toContain(plan.logFile);
		expect(text).toMatch(/connect +1\.4 s/);
		expect(text).toMatch(/unlock +1\.4 s/);
		expect(text).toMatchSnapshot();
		app.stdin.write('q');
		await expect.poll(() => leaves).toEqual([0]);
	});

	it('30 hosts: the list scrolls with the selection and never draws more rows than fit', async () => {
		const {deploy, plan, app, screen} = await mount({hosts: 30});
		deploy.push(...deployUpTo(plan, 'transfer'), ...startStep(plan, 'transfer'));
		await waitForContent(app, '30 running');
		expectFits(screen(), 80, 24);
		expect(screen()).toContain('hosts 1–12 of 30');
		for (let i = 0; i < 10; i++) await sendInputAndWaitForChange(app, 'j');
		// Keys typed faster than Ink reads them arrive in one chunk: each still counts.
		await sendInputAndWaitForChange(app, 'jjjj');
		const text = screen();
		expectFits(text, 80, 24);
		expect(text).toContain('hosts 4–15 of 30');
		expect(text).toContain('› ▸ root@node15.example.net');
		expect(text).not.toContain('node03');
		expect(text).not.toContain('node16');
		expect(text).toContain('root@node15.example.net · transfer');
		expect(text).toMatchSnapshot();
	});

	it('a asks before aborting; y asks the engine once, which then rolls back', async () => {
		const {deploy, plan, app, screen} = await mount();
		deploy.push(...deployUpTo(plan, 'transfer'), ...startStep(plan, 'transfer'));
		await waitForContent(app, '3 running');
		await sendInputAndWaitForChange(app, 'a');
		const text = screen();
		expectFits(text, 80, 24);
		expect(text).toContain('Abort the deploy? Every host goes back to the release it had. y / n');
		expect(text).toContain('y yes');
		expect(text).toContain('n/Esc no');
		expect(text).toMatchSnapshot();
		expect(deploy.aborts).toBe(0);
		await sendInputAndWaitForChange(app, 'y');
		await waitForContent(app, 'Aborting: every host goes back');
		await expect.poll(() => deploy.aborts).toBe(1);
		deploy.push({type: 'phase', phase: 'rolling-back', at: fixedNow});
		await waitForContent(app, 'rolling back');
		app.stdin.write('a');
		app.stdin.write('y');
		await new Promise(resolve => setTimeout(resolve, 50));
		expect(deploy.aborts).toBe(1);
	});

	it('the abort question is a list: Enter at once keeps deploying; ↓ then Enter aborts', async () => {
		const {deploy, plan, app, screen} = await mount();
		deploy.push(...deployUpTo(plan, 'transfer'), ...startStep(plan, 'transfer'));
		await waitForContent(app, '3 running');
		await sendInputAndWaitForChange(app, 'a');
		expect(screen()).toContain('❯ n/Esc  no: keep deploying');
		await sendInputAndWaitForChange(app, ENTER);
		expect(screen()).not.toContain('Abort the deploy?');
		expect(deploy.aborts).toBe(0);
		await sendInputAndWaitForChange(app, 'a');
		await sendInputAndWaitForChange(app, ARROW_DOWN);
		expect(screen()).toContain('❯ y      yes: abort the deploy');
		await sendInputAndWaitForChange(app, ENTER);
		await waitForContent(app, 'Aborting: every host goes back');
		await expect.poll(() => deploy.aborts).toBe(1);
	});

	it('? lists every deploy key from the bindings table', async () => {
		const {deploy, plan, app, screen} = await mount();
		deploy.push(...deployUpTo(plan, 'connect'));
		await waitForContent(app, 'deploying');
		await sendInputAndWaitForChange(app, '?');
		const text = screen();
		expect(text).toContain('abort: asks first, a second ^C aborts; the rollback still runs');
		expect(text).toContain('abort: every host goes back to the release it had (asks first)');
		await sendInputAndWaitForChange(app, '?');
		expect(screen()).not.toContain('Keys');
	});

	it('NO_COLOR: no colour at all, every host state keeps its own symbol', async () => {
		const ansiColor = /\u001B\[(?:3[0-7]|9[0-7]|38;[0-9;]+)m/;
		const colored = await mount({color: true});
		colored.deploy.push(...failedPreUpdate(colored.plan));
		await waitForContent(colored.app, 'pre_update exited');
		expect(colored.app.lastFrame()).toMatch(ansiColor);

		const previousNoColor = process.env['NO_COLOR'];
		process.env['NO_COLOR'] = '1';
		try {
			const {deploy, plan, app, screen} = await mount();
			deploy.push(...failedPreUpdate(plan));
			await waitForContent(app, 'pre_update exited');
			expect(app.lastFrame()).not.toMatch(ansiColor);
			const text = screen();
			expectFits(text, 80, 24);
			expect(text).toMatch(/↶ root@web1/);
			expect(text).toMatch(/✗ root@web2/);
			expect(text).toMatch(/↺ deploy@db/);
			expect(text).toMatchSnapshot();
		} finally {
			if (previousNoColor === undefined) delete process.env['NO_COLOR'];
			else process.env['NO_COLOR'] = previousNoColor;
		}
	});
});
