import {spawn} from 'node:child_process';
import {closeSync, existsSync, openSync, readFileSync, renameSync, statSync} from 'node:fs';
import path from 'node:path';
import type {RunPaths} from '../config/paths.js';
import {AmpError} from '../errors.js';
import {checkoutDirectory} from '../system/checkout.js';
import {findSupervisor, socketAnswers} from './lock.js';
import {supervisorLogFile} from './plan-file.js';

/**
 * The entry of the daemonised supervisor: the build's one-file bundle of dist/source/supervisor-main.js
 * (bin/bundle.mjs; it starts in half the time), or that module where the tree was built without bundles.
 * Found from the checkout, not from this module's own place: this module may itself run from a bundle.
 */
const supervisorEntry = ['supervisor-main.bundle.js', 'supervisor-main.js']
	.map(file => path.join(checkoutDirectory, 'dist', 'source', file))
	.find(file => existsSync(file))!;

const lockHeldExitCode = 3;

/** supervisor.log is moved to supervisor.log.1 (replacing it) when a run starts with it past this size. */
const defaultSupervisorLogMaxBytes = 10 * 1024 * 1024;

/**
 * Retention of supervisor.log, which every run appends to: past `maxBytes` (AMPZERO_SUPERVISOR_LOG_MAX_BYTES,
 * default 10 MB) it becomes supervisor.log.1, so the two together stay within about twice that.
 */
export function keepSupervisorLogBounded(file: string, maxBytes = supervisorLogMaxBytes()): void {
	try {
		if (statSync(file).size > maxBytes) renameSync(file, `${file}.1`);
	} catch {
		// No log yet, or it cannot be moved: the run starts all the same.
	}
}

function supervisorLogMaxBytes(): number {
	const configured = Number(process.env['AMPZERO_SUPERVISOR_LOG_MAX_BYTES']);
	return Number.isInteger(configured) && configured > 0 ? configured : defaultSupervisorLogMaxBytes;
}

/**
 * Makes sure a supervisor runs for the instance and answers on its socket: the one already
 * running (never a second), or a new one started detached in its own session from `planPath`.
 */
export async function ensureSupervisor(paths: RunPaths, writePlanFile: () => string, timeoutMs = 15_000): Promise<{pid: number; started: boolean}> {
	const running = findSupervisor(paths);
	if (running) {
		await waitForSocket(paths, running.pid, timeoutMs);
		return {pid: running.pid, started: false};
	}
	keepSupervisorLogBounded(supervisorLogFile(paths));
	const log = openSync(supervisorLogFile(paths), 'a');
	// child_process, not execa: the supervisor is detached into its own session and outlives this process.
	const child = spawn(process.execPath, [supervisorEntry, writePlanFile()], {
		detached: true,
		stdio: ['ignore', log, log],
		cwd: paths.root,
	});
	closeSync(log);
	const pid = child.pid;
	if (pid === undefined) throw new AmpError(`could not start the supervisor (${process.execPath} ${supervisorEntry})`);
	let exitCode: number | null | undefined;
	child.once('exit', code => {
		exitCode = code;
	});
	child.unref();
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (exitCode === lockHeldExitCode) return ensureSupervisor(paths, writePlanFile, Math.max(1000, deadline - Date.now()));
		if (exitCode !== undefined) {
			throw new AmpError(`the supervisor exited (code ${exitCode}) before it was ready; its log ${supervisorLogFile(paths)} ends:`, 1, tailOfFile(supervisorLogFile(paths), 15));
		}
		if (await socketAnswers(paths.supervisorSocket, 500)) return {pid, started: true};
		if (Date.now() > deadline) throw new AmpError(`the supervisor (pid ${pid}) did not open ${paths.supervisorSocket} within ${timeoutMs / 1000} s; see ${supervisorLogFile(paths)}`);
		await new Promise(resolve => setTimeout(resolve, 20));
	}
}

async function waitForSocket(paths: RunPaths, pid: number, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await socketAnswers(paths.supervisorSocket, 500))) {
		if (Date.now() > deadline) throw new AmpError(`the supervisor of this instance (pid ${pid}) does not answer on ${paths.supervisorSocket}; end it with \`kill ${pid}\` and run again`);
		await new Promise(resolve => setTimeout(resolve, 20));
	}
}

function tailOfFile(file: string, lines: number): string[] {
	try {
		return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines);
	} catch {
		return [];
	}
}
