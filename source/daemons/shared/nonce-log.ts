import {closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync} from 'node:fs';

/**
 * The nonces of accepted signed requests, kept until their timestamp leaves the window, so a
 * request captured and sent again is refused, even after the daemon restarts.
 */
export interface NonceLog {
	/** False when `nonce` was already accepted; otherwise records it (durably) until `expiresAt`. */
	remember(nonce: string, expiresAt: number, now: number): Promise<boolean> | boolean;
	close(): Promise<void> | void;
}

/**
 * A nonce log in one file of the daemon's data directory: one `expiresAt nonce` line appended
 * (and handed to the OS) per accepted request before it is served; read back on start, without
 * the expired lines, and rewritten whenever it holds mostly expired lines.
 */
export class FileNonceLog implements NonceLog {
	private readonly live = new Map<string, number>();
	private fd: number;
	private lines = 0;

	constructor(private readonly file: string, now: number = Date.now()) {
		let text = '';
		try {
			text = readFileSync(file, 'utf8');
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
		}
		const entries: Array<[string, number]> = [];
		for (const line of text.split('\n')) {
			const space = line.indexOf(' ');
			const expiresAt = Number(line.slice(0, space));
			if (space > 0 && expiresAt >= now) entries.push([line.slice(space + 1), expiresAt]);
		}
		// Oldest first, so that expired entries gather at the front of the map.
		entries.sort((a, b) => a[1] - b[1]);
		for (const [nonce, expiresAt] of entries) this.live.set(nonce, expiresAt);
		this.fd = this.rewrite();
	}

	remember(nonce: string, expiresAt: number, now: number): boolean {
		if (this.live.has(nonce)) return false;
		this.forgetExpired(now);
		this.live.set(nonce, expiresAt);
		writeSync(this.fd, `${expiresAt} ${nonce}\n`);
		this.lines += 1;
		if (this.lines > 2 * this.live.size + 10_000) {
			closeSync(this.fd);
			this.fd = this.rewrite();
		}
		return true;
	}

	close(): void {
		closeSync(this.fd);
	}

	/** Writes the live entries to a new file that replaces the old one whole; returns it open for appending. */
	private rewrite(): number {
		const staged = `${this.file}.new`;
		const fd = openSync(staged, 'w', 0o600);
		writeSync(fd, [...this.live].map(([nonce, expiresAt]) => `${expiresAt} ${nonce}\n`).join(''));
		fsyncSync(fd);
		closeSync(fd);
		renameSync(staged, this.file);
		this.lines = this.live.size;
		return openSync(this.file, 'a', 0o600);
	}

	private forgetExpired(now: number): void {
		for (const [nonce, expiresAt] of this.live) {
			if (expiresAt >= now) break;
			this.live.delete(nonce);
		}
	}
}
