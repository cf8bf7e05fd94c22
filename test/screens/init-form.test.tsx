import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {cleanup} from 'ink-testing-library';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {CreateView} from '../../screens/init/CreateScreen.js';
import {initKeymap, type InitMode} from '../../screens/init/init-keys.js';
import {InitFormScreen, type FormResult} from '../../screens/init/InitFormScreen.js';
import {InitTitle} from '../../screens/init/InitTitle.js';
import {ScreenFrame} from '../../screens/runtime/ScreenFrame.js';
import type {InitProgress} from '../../screens/init/init-progress.js';
import {RootProblem} from '../../screens/init/RootProblem.js';
import type {InitAnswers} from '../../services/instance/types.js';
import {ARROW_DOWN, BACKSPACE, CTRL_SLASH, CTRL_U, ENTER, ESC, SHIFT_TAB, TAB} from '../helpers/keys.js';
import {fixedAnswers, fixedSummary} from './fixtures.js';
import {renderAt, resize, screenText, sendInput, sendInputAndWaitForChange, waitForContent} from './ui.js';

const directory = '/srv/instances/demo';
let temporary: string;

// The text cursor is drawn differently without styles; the snapshots show the styled form.
const savedColour = {NO_COLOR: process.env['NO_COLOR'], FORCE_COLOR: process.env['FORCE_COLOR']};

beforeEach(async () => {
	temporary = await mkdtemp(path.join(os.tmpdir(), 'ampzero-form-'));
	delete process.env['NO_COLOR'];
	delete process.env['FORCE_COLOR'];
});
afterEach(async () => {
	for (const [name, value] of Object.entries(savedColour)) {
		if (value === undefined) delete process.env[name];
		else process.env[name] = value;
	}
	cleanup();
	await rm(temporary, {recursive: true, force: true});
});

async function renderForm(initial: InitAnswers = fixedAnswers(), size?: {columns: number; rows: number}) {
	const results: FormResult[] = [];
	const rendered = await renderAt(<InitFormScreen directory={directory} initial={initial} clobber={false} onResult={result => results.push(result)} />, size);
	return {rendered, results};
}

async function framed(mode: InitMode, body: React.ReactNode) {
	return renderAt(
		<ScreenFrame keymap={initKeymap} mode={mode} title={<InitTitle directory={directory} clobber={false} />}>
			{body}
		</ScreenFrame>,
	);
}

describe('init form: states', () => {
	it('shows every question with its default at 80×24', async () => {
		const {rendered} = await renderForm();
		await waitForContent(rendered, 'Setup');
		const text = screenText(rendered);
		for (const label of ['Title', 'User name', 'User email', 'Host name', 'Frontend HTTPS port', 'HTTP port', 'Keyspace client port', 'Keyspace peer port', 'Redis live port', 'Redis data port', 'Logstore port', 'Zerodata port', 'Ampnode port(s)', 'Amprun root', 'Hub', 'Setup']) {
			expect(text).toContain(label);
		}
		expect(text.split('\n').length).toBeLessThanOrEqual(24);
		expect(text.split('\n').every(line => line.length <= 80)).toBe(true);
		expect(text).toMatchSnapshot();
	});

	it('shows a bad value in place, with why', async () => {
		const answers = fixedAnswers();
		answers.ports.redisData = answers.ports.redisLive;
		const {rendered} = await renderForm(answers);
		await waitForContent(rendered, 'is already the redis live port');
		expect(screenText(rendered)).toMatchSnapshot();
	});

	it('opens the help overlay with ^/ (a text field takes ?) and closes it with Esc', async () => {
		const {rendered} = await renderForm();
		await waitForContent(rendered, 'Setup');
		await sendInputAndWaitForChange(rendered, '?');
		expect(screenText(rendered)).toContain('Demo instance?');
		await sendInputAndWaitForChange(rendered, BACKSPACE);
		await sendInputAndWaitForChange(rendered, CTRL_SLASH);
		const help = screenText(rendered);
		expect(help).toContain('Keys');
		expect(help).toContain('next field');
		expect(help).toMatchSnapshot();
		await sendInputAndWaitForChange(rendered, ESC);
		expect(screenText(rendered)).toContain('Frontend HTTPS port');
	});

	it('lists the creation steps with ticks while creating', async () => {
		const progress: InitProgress = {
			phase: 'creating',
			steps: [
				{step: 'directory', label: 'Creating the instance directory', status: 'done'},
				{step: 'keys', label: 'Writing the user and host keys', status: 'done', detail: '6 files'},
				{step: 'hub', label: 'Registering with the embedded hub', status: 'running'},
			],
		};
		const rendered = await framed('creating', <CreateView progress={progress} answers={fixedAnswers()} height={20} />);
		expect(screenText(rendered)).toMatchSnapshot();
	});

	it('shows a failed step with its error', async () => {
		const progress: InitProgress = {
			phase: 'failed',
			error: 'the hub at http://127.0.0.1:9 cannot be reached',
			steps: [
				{step: 'directory', label: 'Creating the instance directory', status: 'done'},
				{step: 'hub', label: 'Registering with the hub', status: 'failed', error: 'the hub at http://127.0.0.1:9 cannot be reached'},
			],
		};
		const rendered = await framed('failed', <CreateView progress={progress} answers={fixedAnswers()} height={20} />);
		expect(screenText(rendered)).toMatchSnapshot();
	});

	it('shows the summary when done', async () => {
		const progress: InitProgress = {phase: 'done', steps: [], summary: fixedSummary()};
		const rendered = await framed('done', <CreateView progress={progress} answers={fixedAnswers()} height={20} />);
		const text = screenText(rendered);
		expect(text).toContain('https://localhost:8040');
		expect(text).toContain('next: ampzero run /srv/instances/demo');
		expect(text).toMatchSnapshot();
	});

	it('explains an amprun root problem and offers the sudo commands', async () => {
		const problem = {path: '/opt/ampzero/var', why: '/opt/ampzero/var cannot be created or written by ada', sudoCommands: ['sudo mkdir -p /opt/ampzero/var && sudo chown ada /opt/ampzero/var']};
		const rendered = await framed('root-problem', <RootProblem problem={problem} />);
		expect(screenText(rendered)).toMatchSnapshot();
	});
});

describe('init form: keys', () => {
	it('clears a field with ^U and types into it', async () => {
		const {rendered} = await renderForm();
		await waitForContent(rendered, 'Demo instance');
		await sendInputAndWaitForChange(rendered, CTRL_U);
		for (const char of 'Shop') await sendInputAndWaitForChange(rendered, char);
		await sendInputAndWaitForChange(rendered, BACKSPACE);
		expect(screenText(rendered)).toMatch(/❯ Title\s+Sho/);
	});

	it('moves the focus with Tab and Shift-Tab', async () => {
		const {rendered} = await renderForm();
		await waitForContent(rendered, '❯ Title');
		await sendInputAndWaitForChange(rendered, TAB);
		expect(screenText(rendered)).toContain('❯ User name');
		await sendInputAndWaitForChange(rendered, SHIFT_TAB);
		await sendInputAndWaitForChange(rendered, SHIFT_TAB);
		expect(screenText(rendered)).toContain('❯ Setup');
		// The focused choice field lists its choices; the arrows pick one at once.
		expect(screenText(rendered)).toMatch(/◉ single\n\s+○ server/);
		await sendInputAndWaitForChange(rendered, ARROW_DOWN);
		expect(screenText(rendered)).toContain('◉ server');
		await sendInputAndWaitForChange(rendered, TAB);
		expect(screenText(rendered)).toMatch(/Setup\s+○ single {2}◉ server/);
	});

	it('an invalid port blocks Enter and says why', async () => {
		const {rendered, results} = await renderForm();
		await waitForContent(rendered, '❯ Title');
		for (let field = 0; field < 4; field++) await sendInputAndWaitForChange(rendered, TAB);
		expect(screenText(rendered)).toContain('❯ Frontend HTTPS port');
		await sendInputAndWaitForChange(rendered, '9');
		expect(screenText(rendered)).toContain('80409 is not a port; use 1 to 65535');
		await sendInputAndWaitForChange(rendered, ENTER);
		expect(screenText(rendered)).toContain('Not created: 1 field needs fixing');
		expect(results).toEqual([]);
	});

	it('keeps the focused field in view when the list does not fit', async () => {
		const answers = fixedAnswers();
		for (const role of ['http', 'keyspaceClient', 'keyspacePeer', 'redisLive', 'redisData', 'logstore'] as const) answers.ports[role] = 70000;
		const {rendered} = await renderForm(answers);
		await waitForContent(rendered, '❯ Title');
		expect(screenText(rendered)).toMatch(/↓ \d+ more/);
		await sendInputAndWaitForChange(rendered, SHIFT_TAB);
		const text = screenText(rendered);
		expect(text).toContain('❯ Setup');
		expect(text).toMatch(/↑ \d+ more/);
		expect(text).not.toContain('❯ Title');
		expect(text.split('\n').length).toBeLessThanOrEqual(24);
	});

	it('lays out again when the terminal is resized', async () => {
		const {rendered} = await renderForm(fixedAnswers(), {columns: 80, rows: 12});
		await waitForContent(rendered, 'more');
		expect(screenText(rendered)).not.toContain('Setup');
		await resize(rendered, 80, 30);
		await waitForContent(rendered, 'Setup');
	});

	it('Esc cancels', async () => {
		const {rendered, results} = await renderForm();
		await waitForContent(rendered, '❯ Title');
		await sendInput(rendered, ESC);
		await new Promise(resolve => setTimeout(resolve, 100));
		expect(results).toEqual([{type: 'cancelled'}]);
	});

	it('Enter on good answers checks the amprun root (creating it) and reports the answers', async () => {
		const answers = {...fixedAnswers(), amprunRoot: path.join(temporary, 'var')};
		const {rendered, results} = await renderForm(answers);
		await waitForContent(rendered, '❯ Title');
		await sendInput(rendered, ENTER);
		await waitFor(() => results.length > 0);
		expect(results).toEqual([{type: 'submitted', answers}]);
	});

	it('an amprun root that cannot be made is explained; n declines the sudo commands', async () => {
		await writeFile(path.join(temporary, 'file'), '');
		const answers = {...fixedAnswers(), amprunRoot: path.join(temporary, 'file', 'var')};
		const {rendered, results} = await renderForm(answers);
		await waitForContent(rendered, '❯ Title');
		await sendInput(rendered, ENTER);
		await waitForContent(rendered, 'Run them now? (y/n)');
		expect(screenText(rendered)).toContain('sudo mkdir -p');
		await sendInput(rendered, 'n');
		await waitFor(() => results.length > 0);
		expect(results[0]?.type).toBe('declined-sudo');
	});
});

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error('timed out');
		await new Promise(resolve => setTimeout(resolve, 10));
	}
}
