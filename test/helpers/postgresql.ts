import {spawn, type ChildProcess} from 'node:child_process';
import {chmodSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {giveDirectoryTo, initCluster, postgresArgs, postgresqlOsUser, postgresqlProgram, readyLine, socketUrl} from '../../services/postgresql/cluster.js';
import {freePort} from './ports.js';

export interface TestPostgresql {
	/** The `postgres` database over the unix socket. */
	url: string;
	port: number;
	/** The postmaster's pid (its backends are its children). */
	pid: number;
	/** A new, empty database on this server, for one test. */
	freshDatabase(): Promise<string>;
	stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
const directories = new Set<string>();
process.on('exit', () => {
	for (const child of running) killGroup(child, 'SIGKILL');
	for (const directory of directories) rmSync(directory, {recursive: true, force: true});
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
	if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
	try {
		process.kill(-child.pid, signal);
	} catch {
		// Already gone.
	}
}

let databases = 0;

/**
 * A real PostgreSQL in a temporary directory: initdb, then `postgres` on a free loopback port with
 * its socket in the same directory; as the `postgres` user when the tests run as root. `stop()`
 * shuts it down and removes the directory; a process exit kills it too.
 */
export async function startTestPostgresql(): Promise<TestPostgresql> {
	const root = mkdtempSync(path.join(tmpdir(), 'ampzero-pg-'));
	directories.add(root);
	const user = postgresqlOsUser();
	const dataDirectory = path.join(root, 'data');
	const socketDirectory = path.join(root, 'socket');
	let child: ChildProcess | undefined;
	const stop = async (): Promise<void> => {
		if (child !== undefined) {
			const exited = new Promise(resolve => (child?.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));
			// SIGINT: PostgreSQL's fast shutdown (SIGTERM would wait for every client to leave).
			killGroup(child, 'SIGINT');
			const timer = setTimeout(() => child && killGroup(child, 'SIGKILL'), 10_000);
			await exited;
			clearTimeout(timer);
			running.delete(child);
		}
		rmSync(root, {recursive: true, force: true});
		directories.delete(root);
	};
	try {
		if (user !== undefined) giveDirectoryTo(root, user, []);
		else chmodSync(root, 0o700);
		giveDirectoryTo(socketDirectory, user, []);
		await initCluster(dataDirectory, user);
		const port = await freePort();
		child = spawn(postgresqlProgram('postgres'), postgresArgs(dataDirectory, socketDirectory, port), {
			detached: true,
			stdio: ['ignore', 'pipe', 'pipe'],
			cwd: root,
			...(user !== undefined ? {uid: user.uid, gid: user.gid} : {}),
		});
		running.add(child);
		await waitForReady(child, 30_000);
		const url = socketUrl(socketDirectory, port);
		return {
			url,
			port,
			pid: child.pid ?? 0,
			stop,
			freshDatabase: async () => {
				const name = `test_${process.pid}_${++databases}`;
				const client = new pg.Client({connectionString: url});
				await client.connect();
				try {
					await client.query(`create database ${name}`);
				} finally {
					await client.end();
				}
				return url.replace('/postgres?', `/${name}?`);
			},
		};
	} catch (error) {
		await stop();
		throw error;
	}
}

function waitForReady(child: ChildProcess, timeoutMs: number): Promise<void> {
	return new Promise((resolve, reject) => {
		let output = '';
		const timer = setTimeout(() => reject(new Error(`PostgreSQL was not ready within ${timeoutMs} ms:\n${output}`)), timeoutMs);
		const watch = (chunk: Buffer): void => {
			output += chunk.toString();
			if (output.includes(readyLine)) {
				clearTimeout(timer);
				resolve();
			}
		};
		child.stdout?.on('data', watch);
		child.stderr?.on('data', watch);
		child.once('exit', code => {
			clearTimeout(timer);
			reject(new Error(`PostgreSQL exited (${code}) before it was ready:\n${output}`));
		});
	});
}
