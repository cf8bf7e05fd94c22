import {spawn, type ChildProcess} from 'node:child_process';
import net from 'node:net';
import type {InstanceConfig} from '../../services/config/amprun.js';
import {builtinDaemons} from '../../services/daemons/builtin.js';
import {writeRunNginxConfig} from '../../services/daemons/nginx-run-config.js';
import {grantDaemonAccess} from '../../services/daemons/daemon-access.js';
import {daemonUser} from '../../services/daemons/daemon-user.js';
import {prepareRunDirectories} from '../../services/daemons/prepare.js';
import {probeOnce} from '../../services/supervisor/probes.js';
import type {DaemonSpec, ReadyProbe} from '../../services/supervisor/spec.js';

interface RunningDaemon {
	spec: DaemonSpec;
	child: ChildProcess;
	pid: number;
	/** Every line it wrote on stdout and stderr. */
	output: string[];
	exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>;
}

export interface RunningDaemons {
	daemons: Map<string, RunningDaemon>;
	get(name: string): RunningDaemon;
	/** Sends `signal` to the daemon's process group and waits (bounded) for it to exit. */
	stop(name: string, signal?: NodeJS.Signals, timeoutMs?: number): Promise<{code: number | null; signal: NodeJS.Signals | null}>;
	/** Kills every process group still running, last started first. Safe to call twice. */
	stopAll(): Promise<void>;
}

/**
 * Starts the instance's built-in daemons the way `run` does: each in its own process group, in
 * dependency order, each waited on until its readiness probe passes. On a failure everything
 * started so far is killed and the error carries the daemon's last lines.
 */
export async function startInstanceDaemons(
	config: InstanceConfig,
	instanceDirectory: string,
	options: {only?: string[]; env?: NodeJS.ProcessEnv} = {},
): Promise<RunningDaemons> {
	await prepareRunDirectories(config);
	// As `run` does: run as root, the daemons run as the daemon user, with access through its group.
	const user = daemonUser();
	if (user) await grantDaemonAccess(config, instanceDirectory, user);
	const specs = builtinDaemons(config, instanceDirectory, {server: false, debug: false, ...(user ? {runAs: user} : {})}).filter(spec => !options.only || options.only.includes(spec.name));
	// nginx runs the copy of the instance's config that `run` writes in the run directory.
	if (specs.some(spec => spec.name === 'nginx')) writeRunNginxConfig(config, instanceDirectory, config.ports.ampnode);
	return startSpecs(specs, options.env ?? {});
}

export async function startSpecs(specs: DaemonSpec[], env: NodeJS.ProcessEnv): Promise<RunningDaemons> {
	const daemons = new Map<string, RunningDaemon>();
	const running: RunningDaemons = {
		daemons,
		get(name) {
			const daemon = daemons.get(name);
			if (!daemon) throw new Error(`daemon ${name} was not started`);
			return daemon;
		},
		async stop(name, signal = 'SIGTERM', timeoutMs = 8_000) {
			const daemon = running.get(name);
			killGroup(daemon.pid, signal);
			const timer = setTimeout(() => killGroup(daemon.pid, 'SIGKILL'), timeoutMs);
			try {
				return await daemon.exited;
			} finally {
				clearTimeout(timer);
			}
		},
		async stopAll() {
			for (const daemon of [...daemons.values()].reverse()) killGroup(daemon.pid, 'SIGKILL');
			await Promise.all([...daemons.values()].map(daemon => Promise.race([daemon.exited, delay(3_000)])));
		},
	};
	try {
		for (const spec of specs) {
			const daemon = spawnDaemon(spec, env);
			daemons.set(spec.name, daemon);
			await waitReady(daemon);
		}
	} catch (error) {
		await running.stopAll();
		throw error;
	}
	return running;
}

function spawnDaemon(spec: DaemonSpec, env: NodeJS.ProcessEnv): RunningDaemon {
	const child = spawn(spec.command, spec.args, {
		cwd: spec.cwd,
		env: {...process.env, ...env, ...spec.env},
		detached: true,
		stdio: ['ignore', 'pipe', 'pipe'],
		...(spec.user ? {uid: spec.user.uid, gid: spec.user.gid} : {}),
	});
	if (child.pid === undefined) throw new Error(`${spec.name}: could not start ${spec.command}`);
	const output: string[] = [];
	const collect = (stream: NodeJS.ReadableStream): void => {
		let rest = '';
		stream.setEncoding('utf8');
		stream.on('data', (chunk: string) => {
			const lines = (rest + chunk).split('\n');
			rest = lines.pop() ?? '';
			output.push(...lines);
		});
		stream.on('end', () => {
			if (rest) output.push(rest);
		});
	};
	if (child.stdout) collect(child.stdout);
	if (child.stderr) collect(child.stderr);
	const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>(resolve =>
		child.once('exit', (code, signal) => resolve({code, signal})),
	);
	return {spec, child, pid: child.pid, output, exited};
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
	try {
		process.kill(-pid, signal);
	} catch {
		// already gone
	}
}

async function waitReady(daemon: RunningDaemon): Promise<void> {
	const {spec} = daemon;
	let exit: {code: number | null; signal: NodeJS.Signals | null} | undefined;
	void daemon.exited.then(result => (exit = result));
	const deadline = Date.now() + spec.readyTimeoutMs;
	while (Date.now() < deadline) {
		if (exit) throw new Error(`${spec.name} exited (${exit.code ?? exit.signal}) before it was ready:\n${daemon.output.slice(-20).join('\n')}`);
		if (await probe(spec.ready, daemon.output)) return;
		await delay(100);
	}
	throw new Error(`${spec.name} was not ready within ${spec.readyTimeoutMs} ms:\n${daemon.output.slice(-20).join('\n')}`);
}

async function probe(ready: ReadyProbe, output: string[]): Promise<boolean> {
	switch (ready.kind) {
		case 'none':
			return true;
		case 'log':
			return output.some(line => new RegExp(ready.pattern).test(line));
		case 'http':
			// The supervisor's own probe: a keyspace's /health answers only a client showing its certificate.
			return probeOnce(ready);
		case 'tcp':
			return tcpConnects(ready.host, ready.port);
		case 'redis':
			return (await redisCommand(ready.host, ready.port, ready.password, 'PING')) === '+PONG';
	}
}


function tcpConnects(host: string, port: number): Promise<boolean> {
	return new Promise(resolve => {
		const socket = net.connect({host, port});
		socket.setTimeout(1_000, () => socket.destroy());
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
		socket.once('close', () => resolve(false));
	});
}

/** `AUTH password` then one inline command over a raw socket: the second reply line, or '' on failure. */
export function redisCommand(host: string, port: number, password: string, command: string): Promise<string> {
	return new Promise(resolve => {
		const socket = net.connect({host, port});
		let received = '';
		socket.setTimeout(2_000, () => socket.destroy());
		socket.once('connect', () => socket.write(`AUTH ${password}\r\n${command}\r\n`));
		socket.on('data', chunk => {
			received += chunk.toString('utf8');
			const lines = received.split('\r\n');
			if (lines.length >= 3) {
				socket.destroy();
				resolve(lines[0] === '+OK' ? (lines[1] ?? '') : (lines[0] ?? ''));
			}
		});
		socket.once('error', () => resolve(''));
		socket.once('close', () => resolve(''));
	});
}

export const delay = (milliseconds: number): Promise<void> => new Promise(resolve => setTimeout(resolve, milliseconds));
