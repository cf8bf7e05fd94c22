import {spawn} from 'node:child_process';
import path from 'node:path';
import {eachLine} from '../stream-lines.js';

export type Say = (line: string) => void;
export const noSay: Say = () => {};

/**
 * Runs a program to its end (zstd, tar, nginx -t …). child_process and not execa as elsewhere:
 * this file must run on a host that has Node and nothing of ampzero's. `detached`: it leaves a
 * daemon behind, so no pipes are given that the daemon would hold open.
 */
export function run(command: string, args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv; say?: Say; timeoutMs?: number; detached?: boolean} = {}): Promise<void> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, {cwd: options.cwd, env: options.env ?? process.env, stdio: options.detached ? 'ignore' : ['ignore', 'pipe', 'pipe']});
		const say = options.say ?? noSay;
		const tail: string[] = [];
		const onLine = (line: string): void => {
			if (line.trim() === '') return;
			say(line);
			tail.push(line);
			if (tail.length > 20) tail.shift();
		};
		eachLine(child.stdout, onLine);
		eachLine(child.stderr, onLine);
		const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
		child.on('error', error => {
			if (timer) clearTimeout(timer);
			reject(new Error(`${command}: ${error.message}`));
		});
		child.on(options.detached ? 'exit' : 'close', (code, signal) => {
			if (timer) clearTimeout(timer);
			if (code === 0) resolve();
			else reject(new Error(`${path.basename(command)} ${args.slice(0, 2).join(' ')} exited ${signal ?? code}${tail.length > 0 ? `: ${tail.slice(-3).join(' | ')}` : ''}`));
		});
	});
}

/** Runs one of the release's `ampzero remote` steps, which prints one JSON line; its stderr lines are passed on. */
export function runForJson<T>(command: string, args: string[], options: {env?: NodeJS.ProcessEnv; say?: Say; timeoutMs?: number}): Promise<T> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, {env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe']});
		const say = options.say ?? noSay;
		let last = '';
		const tail: string[] = [];
		eachLine(child.stdout, line => {
			if (line.trim() !== '') last = line.trim();
		});
		eachLine(child.stderr, line => {
			if (line.trim() === '') return;
			say(line);
			tail.push(line);
			if (tail.length > 5) tail.shift();
		});
		const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
		child.on('error', error => {
			if (timer) clearTimeout(timer);
			reject(new Error(`${command}: ${error.message}`));
		});
		child.on('close', (code, signal) => {
			if (timer) clearTimeout(timer);
			if (code !== 0) {
				reject(new Error(`ampzero ${args.slice(1, 3).join(' ')} exited ${signal ?? code}${tail.length > 0 ? `: ${tail.slice(-3).join(' | ')}` : ''}`));
				return;
			}
			try {
				resolve(JSON.parse(last) as T);
			} catch {
				reject(new Error(`ampzero ${args.slice(1, 3).join(' ')} printed no JSON: ${last.slice(0, 200)}`));
			}
		});
	});
}
