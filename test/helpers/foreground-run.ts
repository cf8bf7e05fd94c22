import {spawn} from 'node:child_process';
import {ampzeroBin} from './instance.js';

export interface ForegroundRun {
	/** The supervisor's own figure: start of the first daemon to every daemon ready. */
	readyMs: number;
	/** From spawning `ampzero run` to its first `NAT: ` line. */
	natNoticeAfterMs?: number;
	/** From the supervisor's first line (the run under way, node and its modules loaded) to the first `NAT: ` line. */
	natNoticeAfterStartMs?: number;
	natNotice?: string;
	code: number | null;
}

/**
 * `ampzero run DIR --no-daemon --batch ...extra` inside a network namespace until all-ready (and,
 * with `waitForNat`, the first NAT notice), then SIGTERM, which stops every daemon.
 */
export function runInForeground(namespace: string, directory: string, home: string, extra: string[], waitForNat: boolean, ampzero = ampzeroBin): Promise<ForegroundRun> {
	return new Promise((resolve, reject) => {
		const began = Date.now();
		const child = spawn('ip', ['netns', 'exec', namespace, process.execPath, ampzero, 'run', directory, '--no-daemon', '--batch', ...extra], {
			env: {...process.env, AMPZERO_HOME: home, CI: '1'},
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const result: Partial<ForegroundRun> = {};
		let output = '';
		let startedAt: number | undefined;
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`run did not get ready in 60 s:\n${output}`));
		}, 60_000);
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
			output += chunk;
			startedAt ??= Date.now();
			for (const line of chunk.split('\n')) {
				const ready = /^all daemons ready in (\d+) ms/.exec(line);
				if (ready) result.readyMs = Number(ready[1]);
				if (line.startsWith('NAT: ') && result.natNotice === undefined) {
					result.natNotice = line;
					result.natNoticeAfterMs = Date.now() - began;
					result.natNoticeAfterStartMs = Date.now() - startedAt;
				}
			}
			if (result.readyMs !== undefined && (!waitForNat || result.natNotice !== undefined) && child.exitCode === null && !child.killed) child.kill('SIGTERM');
		});
		child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
		child.on('exit', code => {
			clearTimeout(timer);
			if (result.readyMs === undefined) reject(new Error(`run ended before all-ready:\n${output}`));
			else resolve({...result, code} as ForegroundRun);
		});
	});
}
