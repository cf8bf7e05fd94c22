import {openSync} from 'node:fs';
import {createRequire} from 'node:module';
import path from 'node:path';
import {AmpError} from '../errors.js';
import {HubRefusal} from './types.js';

const waitAtMostMs = 10_000;
/** Callers of one process queued for the lock at most; one more is refused (the hub answers 503). */
const maxQueued = 256;

interface FsExt {
	flockSync(fd: number, flags: 'exnb' | 'un'): void;
}
// fs-ext is a native module: loaded when a lock is first taken, not when the CLI starts.
let fsExt: FsExt | undefined;
function flockModule(): FsExt {
	fsExt ??= createRequire(import.meta.url)('fs-ext') as FsExt;
	return fsExt;
}

/** flock(2) that never blocks: true when done, false when another process holds the lock. */
function flock(fd: number, flags: 'exnb' | 'un'): boolean {
	try {
		flockModule().flockSync(fd, flags);
		return true;
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return false;
		throw error;
	}
}

/**
 * The lock on one hub state directory, in this process: callers queue in memory (one at a time,
 * at most `maxQueued` waiting), and the one whose turn it is takes flock(2) on
 * `<directory>/lock.flock` through a descriptor this process keeps open, so that other processes
 * sharing the directory (inits on one embedded hub, a `hub serve`) wait their turn too. The
 * kernel drops the lock when its holder dies: there is no stale lock to break.
 */
class DirectoryLock {
	private fd: number | undefined;
	private held = false;
	private readonly queue: Array<() => void> = [];

	constructor(private readonly file: string) {}

	async run<T>(work: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
		signal?.throwIfAborted();
		const deadline = Date.now() + waitAtMostMs;
		await this.takeTurn(signal, deadline);
		try {
			await this.takeFlock(signal, deadline);
		} catch (error) {
			this.passTurn();
			throw error;
		}
		try {
			return await work();
		} finally {
			try {
				flock(this.fd!, 'un');
			} catch {
				// Closing the descriptor would drop it too; it stays open for the next turn.
			}
			this.passTurn();
		}
	}

	private takeTurn(signal: AbortSignal | undefined, deadline: number): Promise<void> {
		if (!this.held) {
			this.held = true;
			return Promise.resolve();
		}
		if (this.queue.length >= maxQueued) {
			return Promise.reject(new HubRefusal(`the hub is busy (${maxQueued} changes waiting); retry in a second`, 503, 1));
		}
		return new Promise((resolve, reject) => {
			const give = (): void => {
				clearTimeout(timer);
				signal?.removeEventListener('abort', onAbort);
				resolve();
			};
			const leave = (error: unknown): void => {
				const index = this.queue.indexOf(give);
				if (index !== -1) this.queue.splice(index, 1);
				signal?.removeEventListener('abort', onAbort);
				reject(error);
			};
			const onAbort = (): void => leave(signal?.reason);
			const timer = setTimeout(() => leave(this.timeoutError()), Math.max(0, deadline - Date.now()));
			signal?.addEventListener('abort', onAbort, {once: true});
			this.queue.push(give);
		});
	}

	private passTurn(): void {
		const next = this.queue.shift();
		if (next) next();
		else this.held = false;
	}

	private async takeFlock(signal: AbortSignal | undefined, deadline: number): Promise<void> {
		this.fd ??= this.open();
		for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
			if (flock(this.fd, 'exnb')) return;
			signal?.throwIfAborted();
			if (Date.now() >= deadline) throw this.timeoutError();
			await new Promise(resolve => setTimeout(resolve, pause));
		}
	}

	private open(): number {
		try {
			return openSync(this.file, 'a', 0o600);
		} catch (error) {
			throw new AmpError(`cannot lock ${this.file}: ${(error as Error).message}`);
		}
	}

	private timeoutError(): AmpError {
		return new AmpError(`the hub state in ${path.dirname(this.file)} stays locked by another process (waited ${waitAtMostMs / 1000} s)`);
	}
}

const locks = new Map<string, DirectoryLock>();

/** Runs `work` while holding this process's turn and the flock on `<directory>/lock.flock`. */
export async function withDirectoryLock<T>(directory: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
	const file = path.join(path.resolve(directory), 'lock.flock');
	let lock = locks.get(file);
	if (lock === undefined) {
		lock = new DirectoryLock(file);
		locks.set(file, lock);
	}
	return lock.run(work, signal);
}
