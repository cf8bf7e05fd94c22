import {execFile} from 'node:child_process';
import {promisify} from 'node:util';

const run = promisify(execFile);

/** Names tmux understands for `send-keys` (no -l), keyed by what tests say. */
export const tmuxKeys = {
	enter: 'Enter',
	escape: 'Escape',
	tab: 'Tab',
	shiftTab: 'BTab',
	up: 'Up',
	down: 'Down',
	left: 'Left',
	right: 'Right',
	backspace: 'BSpace',
	ctrlC: 'C-c',
	ctrlU: 'C-u',
} as const;

/**
 * A program in a detached tmux session on a private server (`tmux -L`), at a fixed size. Always
 * `kill()` it, in afterEach, even when the test failed.
 */
export class TmuxSession {
	private constructor(
		readonly socket: string,
		readonly session: string,
	) {}

	/** Starts `command` (a shell command line) in a `columns`×`rows` pane; the pane stays after it exits. */
	static async start(command: string, {columns = 80, rows = 24, cwd}: {columns?: number; rows?: number; cwd?: string} = {}): Promise<TmuxSession> {
		const socket = `ampzero-test-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
		const tmux = new TmuxSession(socket, 'main');
		await tmux.tmux('-f', '/dev/null', 'new-session', '-d', '-s', tmux.session, '-x', String(columns), '-y', String(rows), ...(cwd ? ['-c', cwd] : []), command);
		await tmux.tmux('set-option', '-t', tmux.session, 'remain-on-exit', 'on');
		return tmux;
	}

	async tmux(...args: string[]): Promise<string> {
		const {stdout} = await run('tmux', ['-L', this.socket, ...args]);
		return stdout;
	}

	/** Types text literally. */
	async type(text: string): Promise<void> {
		await this.tmux('send-keys', '-t', this.session, '-l', text);
	}

	/** Presses named keys (tmux key names, see tmuxKeys). */
	async sendKeys(...keys: string[]): Promise<void> {
		await this.tmux('send-keys', '-t', this.session, ...keys);
	}

	/** What the pane shows now, as plain text. */
	async capture(): Promise<string> {
		return this.tmux('capture-pane', '-p', '-t', this.session);
	}

	/** Whether the pane is on the alternate screen (a full-screen app has it). */
	async inAlternateScreen(): Promise<boolean> {
		return (await this.tmux('display-message', '-p', '-t', this.session, '#{alternate_on}')).trim() === '1';
	}

	/** Waits until the pane shows `text` (or matches it); fails with the last screen after `timeoutMs`. */
	async waitFor(text: string | RegExp, timeoutMs = 10_000): Promise<string> {
		const deadline = Date.now() + timeoutMs;
		let screen = '';
		for (;;) {
			screen = await this.capture();
			if (typeof text === 'string' ? screen.includes(text) : text.test(screen)) return screen;
			if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${String(text)}; the screen:\n${screen}`);
			await new Promise(resolve => setTimeout(resolve, 25));
		}
	}

	/** Ends the session and its private server. Safe to call twice. */
	async kill(): Promise<void> {
		await this.tmux('kill-server').catch(() => undefined);
	}
}
