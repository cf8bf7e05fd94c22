import {existsSync} from 'node:fs';
import {mkdtemp, readdir, readFile, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import yaml from 'js-yaml';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {freePorts} from '../helpers/ports.js';
import {TmuxSession, tmuxKeys} from '../helpers/tmux.js';

const checkout = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const portFlags = ['--frontend-port', '--http-port', '--keyspace-client-port', '--keyspace-peer-port', '--redis-live-port', '--redis-data-port', '--logstore-port', '--zerodata-port', '--ampnode-ports'];

const quote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

/** The real app, full screen in an 80×24 tmux pane; after it exits the shell prints its status and stays. */
async function startInit(temporary: string, extra: string[] = [], environment = ''): Promise<{tmux: TmuxSession; ports: number[]}> {
	const ports = await freePorts(portFlags.length + 1);
	const flags = portFlags.flatMap((flag, index) => [flag, String(ports[index])]);
	const command = [
		`env -u CI -u NO_COLOR -u FORCE_COLOR TERM=xterm-256color ${environment}`,
		`AMPZERO_HOME=${quote(path.join(temporary, 'home'))}`,
		quote(path.join(checkout, 'bin/ampzero')),
		'init',
		quote(path.join(temporary, 'demo')),
		'--amprun-root',
		quote(path.join(temporary, 'var')),
		...flags,
		...extra,
	].join(' ');
	const tmux = await TmuxSession.start(`${command}; echo "ampzero exited with $?"; exec sleep 600`, {columns: 80, rows: 24, cwd: temporary});
	if (process.env["AMPZERO_TMUX_RAW"]) await tmux.tmux("pipe-pane", "-t", tmux.session, `cat >> ${quote(process.env["AMPZERO_TMUX_RAW"])}`);
	return {tmux, ports};
}

describe('ampzero init: the form in a real terminal (tmux, 80×24)', () => {
	let temporary: string;
	let tmux: TmuxSession | undefined;

	beforeEach(async () => {
		temporary = await mkdtemp(path.join(os.tmpdir(), 'ampzero-tmux-'));
	});
	afterEach(async () => {
		await tmux?.kill();
		tmux = undefined;
		await rm(temporary, {recursive: true, force: true});
	});

	it('type a title, change a port, submit: the instance is on disk and the terminal is restored', async () => {
		const started = Date.now();
		const session = await startInit(temporary);
		tmux = session.tmux;
		const form = await tmux.waitFor('❯ Title', 15_000);
		const firstFrameMs = Date.now() - started;
		expect(await tmux.inAlternateScreen()).toBe(true);
		for (const label of ['Title', 'Frontend HTTPS port', 'Ampnode port(s)', 'Amprun root', 'Hub', 'Setup']) expect(form).toContain(label);

		await tmux.sendKeys(tmuxKeys.ctrlU);
		await tmux.type('Tmux demo');
		await tmux.waitFor(/❯ Title\s+Tmux demo/);

		// Down to the HTTP port (the 6th field), clear it and give it a new free port.
		const newPort = session.ports[portFlags.length];
		for (let field = 0; field < 5; field++) await tmux.sendKeys(tmuxKeys.down);
		await tmux.waitFor('❯ HTTP port');
		await tmux.sendKeys(tmuxKeys.ctrlU);
		await tmux.type(String(newPort));
		await tmux.waitFor(new RegExp(`❯ HTTP port\\s+${newPort}`));

		await tmux.sendKeys(tmuxKeys.enter);
		const done = await tmux.waitFor('Created the instance demo', 30_000);
		expect(done).toContain('next: ampzero run');
		expect(done).toContain(`https://localhost:${session.ports[0]}`);
		await tmux.sendKeys(tmuxKeys.enter);

		const after = await tmux.waitFor('ampzero exited with 0');
		expect(after).toContain('next: ampzero run');
		expect(await tmux.inAlternateScreen()).toBe(false);
		expect((await tmux.tmux('display-message', '-p', '-t', tmux.session, '#{cursor_flag}')).trim()).toBe('1');

		const amprun = await readFile(path.join(temporary, 'demo', 'amprun.yaml'), 'utf8');
		expect(amprun).toMatch(/^title: Tmux demo$/m);
		expect(amprun).toMatch(new RegExp(`^http_port: ${newPort}$`, 'm'));
		expect(amprun).toMatch(new RegExp(`^frontend_port: ${session.ports[0]}$`, 'm'));
		process.stdout.write(`first frame of \`ampzero init\` in tmux: ${firstFrameMs} ms\n`);
	});

	it('type, edit (Backspace, ^U), paste a long value, choose the setup with the arrows: the files say so', async () => {
		const session = await startInit(temporary);
		tmux = session.tmux;
		await tmux.waitFor('❯ Title', 15_000);

		await tmux.sendKeys(tmuxKeys.ctrlU);
		await tmux.type('Shopx');
		await tmux.waitFor(/❯ Title\s+Shopx/);
		await tmux.sendKeys(tmuxKeys.backspace);
		await tmux.waitFor(/❯ Title\s+Shop *$/m);
		await tmux.sendKeys(tmuxKeys.ctrlU);
		await tmux.waitFor('the title cannot be empty');

		// A 300-character title, pasted as a terminal pastes it: one write of the whole text.
		const long = `Pasted ${'0123456789'.repeat(30)}`.slice(0, 300);
		await tmux.tmux('set-buffer', '-b', 'long', long);
		await tmux.tmux('paste-buffer', '-b', 'long', '-t', tmux.session);
		const pasted = await tmux.waitFor(/❯ Title\s+Pasted 0123/);
		expect(pasted).not.toContain('the title cannot be empty');
		// While focused the whole text shows, wrapped under the field; the fields below move down.
		expect(pasted.replace(/\n\s+/g, '')).toContain(long);
		expect(pasted).toMatch(/^ {2}User name/m);

		// Unfocused, it is cut to its line.
		await tmux.sendKeys(tmuxKeys.tab);
		const left = await tmux.waitFor('❯ User name');
		expect(left).toMatch(/^ {2}Title\s+Pasted 0123\d*…$/m);

		// S-Tab twice wraps round to the setup choice; its list shows both choices, ↓ picks server, ↑ and ↓ again keep it.
		await tmux.sendKeys(tmuxKeys.shiftTab);
		await tmux.waitFor('❯ Title');
		await tmux.sendKeys(tmuxKeys.shiftTab);
		await tmux.waitFor(/❯ Setup\s+◉ single\s*\n\s+○ server/);
		await tmux.sendKeys(tmuxKeys.down);
		await tmux.waitFor(/❯ Setup\s+○ single\s*\n\s+◉ server/);
		await tmux.sendKeys(tmuxKeys.up);
		await tmux.waitFor(/❯ Setup\s+◉ single\s*\n\s+○ server/);
		await tmux.sendKeys(tmuxKeys.down);
		await tmux.waitFor(/❯ Setup\s+○ single\s*\n\s+◉ server/);

		await tmux.sendKeys(tmuxKeys.enter);
		await tmux.waitFor('Created the instance demo', 30_000);
		await tmux.sendKeys(tmuxKeys.enter);
		await tmux.waitFor('ampzero exited with 0');

		const amprun = yaml.load(await readFile(path.join(temporary, 'demo', 'amprun.yaml'), 'utf8')) as Record<string, unknown>;
		expect(amprun['title']).toBe(long);
		expect(amprun['setup']).toBe('server');
	});

	it('an invalid port is shown in place and Enter does not create anything', async () => {
		tmux = (await startInit(temporary)).tmux;
		await tmux.waitFor('❯ Title', 15_000);
		for (let field = 0; field < 4; field++) await tmux.sendKeys(tmuxKeys.tab);
		await tmux.waitFor('❯ Frontend HTTPS port');
		await tmux.sendKeys(tmuxKeys.ctrlU);
		await tmux.type('70000');
		await tmux.waitFor('70000 is not a port; use 1 to 65535');
		await tmux.sendKeys(tmuxKeys.enter);
		await tmux.waitFor('Not created: 1 field needs fixing');
		expect(existsSync(path.join(temporary, 'demo'))).toBe(false);
		await tmux.sendKeys(tmuxKeys.escape);
		await tmux.waitFor('ampzero exited with 1');
	});

	it('Esc cancels: exit 1, "cancelled, nothing written", nothing on disk', async () => {
		tmux = (await startInit(temporary)).tmux;
		await tmux.waitFor('❯ Title', 15_000);
		await tmux.type('abc');
		await tmux.waitFor('abc');
		await tmux.sendKeys(tmuxKeys.escape);
		const after = await tmux.waitFor('ampzero exited with 1');
		expect(after).toContain('cancelled, nothing written');
		expect(await tmux.inAlternateScreen()).toBe(false);
		expect(existsSync(path.join(temporary, 'demo'))).toBe(false);
		expect(existsSync(path.join(temporary, 'var'))).toBe(false);
		expect(await readdir(temporary)).not.toContain('demo');
	});

	it('^C in the form cancels the same way and gives the terminal back', async () => {
		tmux = (await startInit(temporary)).tmux;
		await tmux.waitFor('❯ Title', 15_000);
		await tmux.sendKeys(tmuxKeys.ctrlC);
		const after = await tmux.waitFor('ampzero exited with 1');
		expect(after).toContain('cancelled, nothing written');
		expect(await tmux.inAlternateScreen()).toBe(false);
		expect(existsSync(path.join(temporary, 'demo'))).toBe(false);
	});

	it('SIGTERM while the form is open restores the terminal', async () => {
		tmux = (await startInit(temporary)).tmux;
		await tmux.waitFor('❯ Title', 15_000);
		const pid = (await tmux.tmux('display-message', '-p', '-t', tmux.session, '#{pane_pid}')).trim();
		// The pane runs sh, which runs env → node: signal the node process, the shell's child.
		const {execFileSync} = await import('node:child_process');
		const node = execFileSync('pgrep', ['-P', pid], {encoding: 'utf8'}).trim().split('\n')[0];
		expect(node).toMatch(/^\d+$/);
		process.kill(Number(node), 'SIGTERM');
		const after = await tmux.waitFor('ampzero exited with 143');
		expect(after).not.toContain('❯ Title');
		expect(await tmux.inAlternateScreen()).toBe(false);
		expect((await tmux.tmux('display-message', '-p', '-t', tmux.session, '#{cursor_flag}')).trim()).toBe('1');
	});

	it('a crash (uncaught exception) restores the terminal and prints the error', async () => {
		const script = [
			`import {createElement, useEffect} from 'react';`,
			`import {Text} from 'ink';`,
			`import {renderFullscreen} from ${JSON.stringify(path.join(checkout, 'dist/source/app/fullscreen.js'))};`,
			`function Crashing() {`,
			`  useEffect(() => { setTimeout(() => { throw new Error('boom from a timer'); }, 300); }, []);`,
			`  return createElement(Text, null, 'about to crash');`,
			`}`,
			`await renderFullscreen(createElement(Crashing)).waitUntilExit();`,
		].join('\n');
		const command = `cd ${quote(checkout)} && env -u CI TERM=xterm-256color node --input-type=module -e ${quote(script)}; echo "crashed with $?"; exec sleep 600`;
		tmux = await TmuxSession.start(command, {columns: 80, rows: 24});
		const after = await tmux.waitFor('crashed with 1', 15_000);
		expect(after).toContain('unexpected error: Error: boom from a timer');
		expect(after).not.toContain('about to crash');
		expect(await tmux.inAlternateScreen()).toBe(false);
		expect((await tmux.tmux('display-message', '-p', '-t', tmux.session, '#{cursor_flag}')).trim()).toBe('1');
	});

	it('lays out again when the terminal is resized', async () => {
		tmux = (await startInit(temporary)).tmux;
		await tmux.waitFor('❯ Title', 15_000);
		await tmux.tmux('resize-window', '-t', tmux.session, '-x', '80', '-y', '12');
		const small = await tmux.waitFor(/↓ \d+ more/);
		expect(small).not.toContain('Setup');
		await tmux.sendKeys(tmuxKeys.shiftTab);
		const scrolled = await tmux.waitFor('❯ Setup');
		expect(scrolled).toMatch(/↑ \d+ more/);
		await tmux.tmux('resize-window', '-t', tmux.session, '-x', '80', '-y', '24');
		const big = await tmux.waitFor(/Title[\s\S]*❯ Setup[\s\S]*Enter create/);
		expect(big).toContain('Title');
		expect(big).not.toMatch(/\d+ more/);
	});

	it.each([
		{noColor: false, title: 'the error is shown in red'},
		{noColor: true, title: 'NO_COLOR: the error is shown without colour'},
	])('$title', async ({noColor}) => {
		tmux = (await startInit(temporary, [], noColor ? 'NO_COLOR=1' : '')).tmux;
		await tmux.waitFor('❯ Title', 15_000);
		for (let field = 0; field < 4; field++) await tmux.sendKeys(tmuxKeys.tab);
		await tmux.waitFor('❯ Frontend HTTPS port');
		await tmux.type('9');
		await tmux.waitFor('is not a port');
		const styled = await tmux.tmux('capture-pane', '-p', '-e', '-t', tmux.session);
		const red = /\u001B\[(?:[0-9;]*;)?31m[^\u001B]*is not a port/;
		if (noColor) expect(styled).not.toMatch(/\u001B\[(?:[0-9;]*;)?3[0-7]m/);
		else expect(styled).toMatch(red);
	});
});
