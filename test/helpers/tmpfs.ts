import {execFileSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';

export interface SmallDisk {
	directory: string;
	/** Fills what is left of the disk with a file; returns its path. */
	fill(): string;
	/** Frees the space `fill` took. */
	free(): void;
	unmount(): void;
}

const mounted = new Set<string>();
process.on('exit', () => {
	for (const directory of mounted) {
		try {
			execFileSync('umount', ['-l', directory]);
			rmSync(directory, {recursive: true, force: true});
		} catch {
			// Best effort at exit.
		}
	}
});

/** A tmpfs of `size` (e.g. '1m') mounted on a fresh temp directory: a disk that runs full when a test wants. */
export function mountSmallDisk(size: string): SmallDisk {
	const directory = mkdtempSync(path.join(tmpdir(), 'ampzero-disk-'));
	execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', directory]);
	mounted.add(directory);
	const filler = path.join(directory, 'filler');
	return {
		directory,
		fill() {
			try {
				writeFileSync(filler, Buffer.alloc(1024 * 1024 * 1024), {flag: 'a'});
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
			}
			return filler;
		},
		free() {
			rmSync(filler, {force: true});
		},
		unmount() {
			if (!mounted.delete(directory)) return;
			execFileSync('umount', ['-l', directory]);
			rmSync(directory, {recursive: true, force: true});
		},
	};
}
