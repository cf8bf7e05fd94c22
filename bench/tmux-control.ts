import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';

/**
 * One tmux control-mode client (`tmux -C`): commands and their answers over a pipe, with no
 * process started per command, so timing a key press measures the app and not `exec`.
 */
export class TmuxControl {
	private readonly child: ChildProcessWithoutNullStreams;
	private buffer = '';
	private current: string[] | undefined;
	// The first block answers the attach itself, before any command was sent.
	private readonly waiting: Array<(lines: string[]) => void> = [() => undefined];

	constructor(socket: string, session: string) {
		this.child = spawn('tmux', ['-L', socket, '-C', 'attach-session', '-t', session]);
		this.child.stdout.setEncoding('utf8');
		this.child.stdout.on('data', (chunk: string) => this.receive(chunk));
	}

	/** Runs a tmux command; resolves with its output lines. */
	run(command: string): Promise<string[]> {
		return new Promise(resolve => {
			this.waiting.push(resolve);
			this.child.stdin.write(`${command}\n`);
		});
	}

	close(): void {
		this.child.stdin.end();
		this.child.kill();
	}

	private receive(chunk: string): void {
		this.buffer += chunk;
		for (let newline = this.buffer.indexOf('\n'); newline !== -1; newline = this.buffer.indexOf('\n')) {
			const line = this.buffer.slice(0, newline);
			this.buffer = this.buffer.slice(newline + 1);
			if (this.current === undefined) {
				if (line.startsWith('%begin')) this.current = [];
			} else if (line.startsWith('%end') || line.startsWith('%error')) {
				const done = this.current;
				this.current = undefined;
				this.waiting.shift()?.(done);
			} else {
				this.current.push(line);
			}
		}
	}
}
