import {execFile} from 'node:child_process';
import {chmodSync, mkdtempSync, rmSync, statSync} from 'node:fs';
import net from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {serveControlSocket} from '../../services/supervisor/control-server.js';
import {Supervisor} from '../../services/supervisor/supervisor.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(): Promise<{socketPath: string; directory: string}> {
	const directory = mkdtempSync(path.join(tmpdir(), 'ampzero-control-'));
	// Others may enter the directory here: only the socket's own mode keeps them out.
	chmodSync(directory, 0o755);
	cleanups.push(() => rmSync(directory, {recursive: true, force: true}));
	const supervisor = new Supervisor({
		specs: [],
		files: {logs: path.join(directory, 'logs'), pids: path.join(directory, 'pids')},
		info: {instance: 'test', instanceDirectory: directory, frontendUrl: 'https://127.0.0.1:1/', supervisorPid: process.pid},
	});
	const socketPath = path.join(directory, 'supervisor.sock');
	const server = await serveControlSocket(supervisor, socketPath);
	cleanups.push(() => new Promise<void>(resolve => server.close(() => resolve())));
	return {socketPath, directory};
}

/** Connects as another user (nobody) with a fresh node; resolves with what it printed: "connected" or the error code. */
function connectAs(user: string, socketPath: string): Promise<string> {
	const script = `require('net').connect(process.argv[1]).on('connect', () => { console.log('connected'); process.exit(0); }).on('error', e => { console.log(e.code); process.exit(0); });`;
	return new Promise((resolve, reject) => {
		execFile('setpriv', [`--reuid=${user}`, `--regid=${user === 'nobody' ? 'nogroup' : user}`, '--clear-groups', process.execPath, '-e', script, socketPath], {timeout: 10_000}, (error, stdout) =>
			error ? reject(new Error(error.message)) : resolve(stdout.trim()),
		);
	});
}

describe('the supervisor control socket', () => {
	it('is 0600, and its own user can connect', async () => {
		const {socketPath} = await serve();
		expect((statSync(socketPath).mode & 0o777).toString(8)).toBe('600');
		const own = net.connect(socketPath);
		await new Promise<void>((resolve, reject) => own.once('connect', resolve).once('error', reject));
		own.destroy();
	});

	// Acting as another user takes root: run as anyone else, the test is reported as skipped, with this reason in its name.
	it.skipIf(process.getuid?.() !== 0)('another user cannot connect (EACCES) (runs only as root, which can act as nobody)', async () => {
		const {socketPath} = await serve();
		expect(await connectAs('nobody', socketPath)).toBe('EACCES');
	});

	it('cuts off a connection that sends an endless line instead of buffering it', async () => {
		const {socketPath} = await serve();
		const socket = net.connect(socketPath);
		cleanups.push(() => void socket.destroy());
		socket.on('data', () => {});
		const closed = new Promise<void>(resolve => socket.once('close', () => resolve()));
		socket.on('error', () => {});
		await new Promise<void>(resolve => socket.once('connect', () => resolve()));
		const junk = Buffer.alloc(16 * 1024, 'x');
		let sent = 0;
		let isClosed = false;
		void closed.then(() => (isClosed = true));
		while (!isClosed && sent < 8 * 1024 * 1024) {
			if (!socket.write(junk)) await new Promise(resolve => setTimeout(resolve, 5));
			sent += junk.length;
			await new Promise(resolve => setImmediate(resolve));
		}
		await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error('the supervisor kept reading')), 3000))]);
		expect(isClosed).toBe(true);
		expect(sent).toBeLessThan(8 * 1024 * 1024);
	});
});
