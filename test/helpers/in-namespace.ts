import {execFile} from 'node:child_process';
import {ampzeroBin, type CliResult} from './instance.js';

/** Runs the built CLI inside a network namespace (`ip netns exec`), never throwing on a non-zero exit. */
export function runAmpzeroIn(namespace: string, args: string[], options: {home: string; timeoutMs?: number}): Promise<CliResult> {
	return new Promise(resolve => {
		execFile(
			'ip',
			['netns', 'exec', namespace, process.execPath, ampzeroBin, ...args],
			{env: {...process.env, AMPZERO_HOME: options.home, CI: '1'}, timeout: options.timeoutMs ?? 60_000},
			(error, stdout, stderr) => {
				const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
				resolve({code, stdout: String(stdout), stderr: String(stderr)});
			},
		);
	});
}
