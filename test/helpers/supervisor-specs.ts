import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {allPids, commandLine, signalGroup} from '../../services/system/proc.js';
import type {DaemonSpec, ReadyProbe} from '../../services/supervisor/spec.js';

/** A temp run directory whose path every test process carries in its command line. */
export function makeRunDirectory(): {root: string; logs: string; pids: string; cleanup: () => void} {
	const root = mkdtempSync(path.join(tmpdir(), 'ampzero-sup-'));
	return {
		root,
		logs: path.join(root, 'logs'),
		pids: path.join(root, 'pids'),
		cleanup: () => {
			killProcessesMentioning(root);
			rmSync(root, {recursive: true, force: true});
		},
	};
}

/** Pids of live processes whose command line contains `marker` (never this test process). */
export function processesMentioning(marker: string): number[] {
	return allPids().filter(pid => pid !== process.pid && (commandLine(pid) ?? []).some(part => part.includes(marker)));
}

export function killProcessesMentioning(marker: string): void {
	for (const pid of processesMentioning(marker)) {
		try {
			signalGroup(pid, 'SIGKILL');
			process.kill(pid, 'SIGKILL');
		} catch {
			// Already gone.
		}
	}
}

/** A real `node -e` daemon; `marker` goes into its argv so tests can find it in /proc. */
export function nodeDaemon(name: string, script: string, marker: string, options: Partial<DaemonSpec> & {ready?: ReadyProbe} = {}): DaemonSpec {
	return {
		name,
		command: process.execPath,
		args: ['-e', script, marker],
		ports: [],
		dependsOn: [],
		ready: {kind: 'none'},
		readyTimeoutMs: 10_000,
		stopSignal: 'SIGTERM',
		stopTimeoutMs: 2000,
		...options,
	};
}

/** An HTTP server answering 200 on `port` after `delayMs`. */
export function httpServerScript(port: number, delayMs = 0): string {
	return `setTimeout(() => require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1', () => console.log('listening on ${port}')), ${delayMs});`;
}
