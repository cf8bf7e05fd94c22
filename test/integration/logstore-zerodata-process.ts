import {spawn, type ChildProcess} from 'node:child_process';
import {existsSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import type {InstanceConfig} from '../../services/config/amprun.js';
import {defaultPorts} from '../../services/config/ports.js';

/** Starts logstore or zerodata as its own process through `runDaemon`, the way `ampzero daemon` does. */

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface DaemonProcess {
	pid: number;
	child: ChildProcess;
	/** Resolves with the exit code (null when a signal ended it). */
	exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>;
	output(): string;
	/** SIGKILL to the whole process group; safe to call twice. */
	kill(): void;
}

export function testInstanceConfig(amprunRoot: string, ports: {logstore?: number; zerodata?: number}): InstanceConfig {
	return {
		name: 'test-instance',
		title: 'Test instance',
		userName: 'test',
		userEmail: 'test@localhost',
		hostName: 'localhost',
		ports: {...defaultPorts, ampnode: [...defaultPorts.ampnode], ...ports},
		amprunRoot,
		hub: 'embedded',
		setup: 'single',
		userId: 1,
		hostId: 2,
		bindAddress: '127.0.0.1',
		redisPassword: 'unused',
		keyspaceEndpoints: [],
		logstoreUrl: `http://127.0.0.1:${ports.logstore ?? defaultPorts.logstore}`,
		zerodataUrl: `http://127.0.0.1:${ports.zerodata ?? defaultPorts.zerodata}`,
		daemons: [],
		hosts: [],
	};
}

export function startDaemonProcess(
	daemon: 'logstore' | 'zerodata',
	instanceDirectory: string,
	config: InstanceConfig,
	env: Record<string, string>,
): DaemonProcess {
	const main = path.join(projectRoot, 'dist/source/daemons', daemon, 'main.js');
	if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` before the integration tests`);
	const script = [
		`const {runDaemon} = await import(${JSON.stringify(pathToFileURL(main).href)});`,
		`await runDaemon(process.env.TEST_INSTANCE_DIRECTORY, JSON.parse(process.env.TEST_INSTANCE_CONFIG), {debug: false});`,
	].join('\n');
	const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
		detached: true,
		stdio: ['ignore', 'pipe', 'pipe'],
		env: {...process.env, ...env, TEST_INSTANCE_DIRECTORY: instanceDirectory, TEST_INSTANCE_CONFIG: JSON.stringify(config)},
	});
	let output = '';
	child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>(resolve =>
		child.once('exit', (code, signal) => resolve({code, signal})),
	);
	const pid = child.pid;
	if (pid === undefined) throw new Error(`could not start the ${daemon} process`);
	return {
		pid,
		child,
		exited,
		output: () => output,
		kill: () => {
			try {
				process.kill(-pid, 'SIGKILL');
			} catch {
				// Already gone.
			}
		},
	};
}

/** Polls `GET url/health` until it answers 200, for at most `timeoutMs`. */
export async function waitForHealth(url: string, daemon: DaemonProcess, timeoutMs = 10_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	let exited = false;
	void daemon.exited.then(() => (exited = true));
	while (Date.now() < deadline) {
		if (exited) throw new Error(`the daemon exited before it was ready:\n${daemon.output()}`);
		try {
			const response = await fetch(`${url}/health`);
			if (response.ok) return;
		} catch {
			// Not listening yet.
		}
		await new Promise(resolve => setTimeout(resolve, 50));
	}
	throw new Error(`not healthy after ${timeoutMs} ms:\n${daemon.output()}`);
}
