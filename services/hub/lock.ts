import {spawn} from 'node:child_process';
import path from 'node:path';
import {AmpError} from '../errors.js';

const waitAtMostSeconds = 10;

/**
 * Runs `work` while holding an exclusive flock(2) on `<directory>/lock.flock`. The kernel takes the
 * lock atomically and drops it when its holder dies, so there is no stale lock to break, and no
 * race in breaking one. Node has no flock: util-linux's `flock` holds it for us, in its own
 * process group (a ^C at the terminal does not release it), until we close its stdin or die.
 */
export async function withDirectoryLock<T>(directory: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
	const release = await takeLock(path.join(directory, 'lock.flock'), signal);
	try {
		return await work();
	} finally {
		await release();
	}
}

function takeLock(file: string, signal: AbortSignal | undefined): Promise<() => Promise<void>> {
	signal?.throwIfAborted();
	return new Promise((resolve, reject) => {
		// child_process, not execa: flock holds the lock for as long as this child lives, in its own process group.
		const child = spawn('flock', ['--exclusive', '--wait', String(waitAtMostSeconds), file, 'sh', '-c', 'echo locked && exec cat >/dev/null'], {
			stdio: ['pipe', 'pipe', 'pipe'],
			detached: true,
		});
		const exited = new Promise<void>(done => child.once('close', () => done()));
		let locked = false;
		let stderr = '';
		const onAbort = (): void => {
			child.kill('SIGKILL');
			reject(signal?.reason);
		};
		signal?.addEventListener('abort', onAbort, {once: true});
		child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
		child.stdout.once('data', () => {
			locked = true;
			signal?.removeEventListener('abort', onAbort);
			resolve(async () => {
				child.stdin.end();
				await exited;
			});
		});
		child.once('error', error => {
			signal?.removeEventListener('abort', onAbort);
			const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
			reject(missing ? new AmpError('flock is not installed; install util-linux (`npm run setup`)') : error);
		});
		child.once('exit', code => {
			if (locked) return;
			signal?.removeEventListener('abort', onAbort);
			reject(
				code === 1
					? new AmpError(`the hub state in ${path.dirname(file)} stays locked by another process (waited ${waitAtMostSeconds} s)`)
					: new AmpError(`cannot lock ${file}: ${stderr.trim() || `flock exited with ${code}`}`),
			);
		});
	});
}
