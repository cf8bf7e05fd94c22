import {spawn} from 'node:child_process';
import {errorMessage} from '../errors.js';
import type {DeployContext} from './deploy-context.js';
import type {DeployStep} from './events.js';
import {StepFailure, type HostRun} from './host-run.js';
import {eachLine} from './stream-lines.js';

/** What a step does on one host; a number it returns is the bytes it sent. */
export type HostWork = (host: HostRun) => Promise<number | void>;

/** Runs `work` on every item, at most `limit` at once. */
export async function inPool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
	const queue = [...items];
	const workers = Array.from({length: Math.max(1, Math.min(limit, queue.length))}, async () => {
		for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
	});
	await Promise.all(workers);
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	return Promise.race([
		promise.finally(() => clearTimeout(timer)),
		new Promise<never>((_, reject) => {
			timer = setTimeout(() => reject(new StepFailure(`${what} timed out after ${Math.round(ms / 1000)} s`)), ms);
		}),
	]);
}

/** Runs one step on the given hosts (at most `parallel` at once), with its events and log lines; returns the hosts it failed on. */
export async function runStep(run: DeployContext, step: DeployStep, on: HostRun[], work: HostWork): Promise<HostRun[]> {
	const failed: HostRun[] = [];
	await inPool(on, run.parallel, async host => {
		const start = Date.now();
		run.emit({type: 'step-start', host: host.label, step, at: start});
		run.setState(host, 'running');
		run.note(host.label, step, 'start');
		try {
			if (run.signal.aborted) throw new StepFailure('aborted');
			const bytes = await withTimeout(work(host), run.stepTimeout + 5000, step);
			const ms = Date.now() - start;
			host.stepMs[step] = ms;
			run.note(host.label, step, `ok in ${ms} ms`);
			run.emit({type: 'step-end', host: host.label, step, ok: true, ms, ...(typeof bytes === 'number' ? {bytes} : {})});
			run.setState(host, 'waiting');
		} catch (error) {
			const ms = Date.now() - start;
			host.stepMs[step] = ms;
			host.error = `${step}: ${errorMessage(error)}`;
			run.note(host.label, step, `failed in ${ms} ms: ${errorMessage(error)}`);
			run.emit({type: 'step-end', host: host.label, step, ok: false, ms, error: errorMessage(error)});
			run.setState(host, 'failed');
			failed.push(host);
		}
	});
	return failed;
}

/**
 * A step that runs a local script once for all hosts (pre_deploy, post_deploy): every host's step
 * waits for the one run, and shows its output. Without a script, the step passes at once.
 */
export function localScript(run: DeployContext, step: DeployStep, script: string | undefined): HostWork {
	if (!script) return async () => {};
	let result: Promise<void> | undefined;
	return () =>
		(result ??= new Promise<void>((resolve, reject) => {
			// child_process, not execa: the hook's output is shown line by line while it runs, on every host's row.
			const child = spawn('bash', ['-c', script], {
				cwd: run.options.instanceDirectory,
				stdio: ['ignore', 'pipe', 'pipe'],
				env: {...process.env, AMPZERO_DEPLOY_ID: run.deployId, AMPZERO_DEPLOY_HOSTS: run.hosts.map(h => h.label).join(' ')},
			});
			const onLine = (line: string): void => {
				if (line !== '') for (const each of run.hosts) run.output(each, step, line);
			};
			eachLine(child.stdout, onLine);
			eachLine(child.stderr, onLine);
			const timer = setTimeout(() => child.kill('SIGKILL'), run.stepTimeout);
			const onAbort = (): void => void child.kill('SIGTERM');
			run.signal.addEventListener('abort', onAbort, {once: true});
			child.on('error', reject);
			child.on('close', code => {
				clearTimeout(timer);
				run.signal.removeEventListener('abort', onAbort);
				if (code === 0) resolve();
				else reject(new StepFailure(`${step.replace('-', '_')} script exited ${code}`));
			});
		}));
}
