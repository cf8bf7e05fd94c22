import {readFileSync} from 'node:fs';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {ampzeroBin, makeTestInstance, runAmpzero, type TestInstance} from '../helpers/instance.js';
import {endInstance, processesInGroups, processesMentioning} from '../helpers/run-processes.js';
import {TmuxSession} from '../helpers/tmux.js';

const quote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

let instance: TestInstance;
let tmux: TmuxSession | undefined;
const groups = new Set<number>();

/** The dashboard's daemon rows at 80 columns: symbol, name and state. */
function daemonRows(screen: string): string[] {
	return screen
		.split('\n')
		.map(line => /^│[› ] (\S) (\S+)\s+(\S+)\s*│/.exec(line))
		.filter(match => match !== null)
		.map(match => `${match[1]} ${match[2]} ${match[3]}`);
}

async function remember(): Promise<void> {
	const result = await runAmpzero(['run', instance.directory, 'status', '--json'], {home: instance.home, env: {CI: '1'}});
	for (const line of result.stdout.split('\n')) {
		if (!line.startsWith('{')) continue;
		const record = JSON.parse(line) as {type: string; pid?: number | null};
		if (record.type === 'daemon' && record.pid) groups.add(record.pid);
	}
}

describe('ampzero run: the dashboard in a real terminal (tmux, 80×24)', () => {
	beforeAll(async () => {
		instance = await makeTestInstance({name: 'dash'});
		// A shell in the pane: after a detach the pane is back at its prompt, as for a user.
		tmux = await TmuxSession.start('env -u CI -u NO_COLOR PS1="shell$ " TERM=xterm-256color bash --norc --noprofile', {columns: 80, rows: 24});
	}, 120_000);

	afterAll(async () => {
		await tmux?.kill();
		await endInstance(instance, groups);
	}, 60_000);

	// No NAT search and no hub announce: a test never addresses anything beyond this machine.
	const command = (): string => `AMPZERO_HOME=${quote(instance.home)} ${quote(ampzeroBin)} run ${quote(instance.directory)} --no-nat-bypass --no-hub`;

	it('starts, stops and restarts a daemon, detaches, re-attaches to the same state, and `run NAME stop` ends it all', async () => {
		const session = tmux!;
		await session.waitFor('shell$');
		await session.type(command());
		await session.sendKeys('Enter');
		const ready = await session.waitFor(/✓ all \d+ ready/, 60_000);
		expect(await session.inAlternateScreen()).toBe(true);
		expect(ready).toContain('ampzero run dash');
		const names = daemonRows(ready).map(row => row.split(' ')[1]);
		expect(names).toEqual(['keyspace', 'redis-live', 'redis-data', 'logstore', 'zerodata', 'ampnode', 'nginx']);
		await remember();

		// Resizing re-lays out: wider shows the uptime, port, pid and restarts columns; at 80 the list is a narrow column of state and name.
		await session.tmux('resize-window', '-t', session.session, '-x', '110', '-y', '30');
		const wide = await session.waitFor(/daemon\s+state\s+up\s+port\s+pid\s+↻/);
		expect(wide.split('\n').filter(line => line.startsWith('╰')).length).toBe(1);
		await session.tmux('resize-window', '-t', session.session, '-x', '80', '-y', '24');
		await session.waitFor(/daemon\s+state\s+│/);

		// nginx, the last one, depends on everything and nothing depends on it.
		await session.type('k');
		await session.waitFor(/│› ✓ nginx/);
		await session.waitFor(/│nginx · pid \d+/);
		await session.type('s');
		await session.waitFor(/│› ■ nginx\s+stopped/, 20_000);
		await session.type('r');
		const restarted = await session.waitFor(/│› ✓ nginx\s+ready/, 20_000);
		await remember();
		const before = daemonRows(restarted);
		expect(before.every(row => row.endsWith(' ready'))).toBe(true);

		await session.type('d');
		const detached = await session.waitFor(/^shell\$\s*$/m, 15_000);
		// The instance lives outside the checkout's parent, so the way back names its path (wrapped at 80 columns).
		expect(detached.replaceAll('\n', '')).toContain(`Detached from dash: its daemons keep running. Re-attach with: ampzero run ${instance.directory}`);
		expect(await session.inAlternateScreen()).toBe(false);
		const status = await runAmpzero(['run', instance.directory, 'status'], {home: instance.home, env: {CI: '1'}});
		expect(status.code).toBe(0);
		expect(status.stdout).toMatch(/nginx\s+ready/);

		await session.type(command());
		await session.sendKeys('Enter');
		const again = await session.waitFor(/│› ✓ keyspace/, 30_000);
		expect(daemonRows(again)).toEqual(before);
		expect(again).toContain('✓ all 7 ready');

		const stop = await runAmpzero(['run', instance.directory, 'stop'], {home: instance.home, env: {CI: '1'}, timeoutMs: 60_000});
		expect(stop.code).toBe(0);
		const ended = await session.waitFor(/^shell\$\s*$/m, 30_000);
		expect(ended).toContain('Every daemon of dash has stopped.');
		const after = await runAmpzero(['run', instance.directory, 'status'], {home: instance.home, env: {CI: '1'}});
		expect(after.code).toBe(1);
		expect(after.stderr).toContain('no supervisor runs for dash');
		expect(processesMentioning(instance.root)).toEqual([]);
		expect(processesInGroups([...groups])).toEqual([]);
	});

	it('with --no-daemon, ^C stops everything and the app leaves with the line saying so', async () => {
		const session = tmux!;
		await session.sendKeys('C-l');
		await session.type(`${command()} --no-daemon`);
		await session.sendKeys('Enter');
		const ready = await session.waitFor(/✓ all \d+ ready/, 60_000);
		expect(ready).toContain('ampzero run dash');
		await remember();
		// The help at 80×24: every description whole, wrapped under itself, none cut.
		await session.type('?');
		const help = await session.waitFor('Keys of the dashboard');
		expect(help).toContain('(starts it when stopped)');
		expect(help.split('\n').filter(line => line.startsWith('│') && line.includes('…'))).toEqual([]);
		await session.sendKeys('Escape');
		await session.waitFor('↑/k ↓/j select');
		await session.type('q');
		await session.waitFor('stop every daemon of dash (s), or cancel (n/Esc)?');
		await session.sendKeys('Escape');
		await session.waitFor('↑/k ↓/j select');
		await session.sendKeys('C-c');
		await session.waitFor('Every daemon of dash has stopped.', 30_000);
		await session.waitFor(/^shell\$\s*$/m);
		expect(await session.inAlternateScreen()).toBe(false);
		expect(processesMentioning(instance.root)).toEqual([]);
		expect(processesInGroups([...groups])).toEqual([]);
	});

	it('with --no-daemon, the terminal going away (SIGHUP) stops every daemon too', async () => {
		const session = tmux!;
		await session.sendKeys('C-l');
		await session.type(`${command()} --no-daemon`);
		await session.sendKeys('Enter');
		await session.waitFor(/✓ all \d+ ready/, 60_000);
		await remember();
		const app = processesMentioning(instance.directory).find(pid => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--no-daemon'));
		expect(app).toBeDefined();
		process.kill(app!, 'SIGHUP');
		await session.waitFor(/^shell\$\s*$/m, 30_000);
		const deadline = Date.now() + 15_000;
		while (processesMentioning(instance.root).length > 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100));
		expect(processesMentioning(instance.root)).toEqual([]);
		expect(processesInGroups([...groups])).toEqual([]);
	});
});
