import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {AmpError} from '../errors.js';
import {allPids, commandLine, socketInodes} from './proc.js';

const listenState = '0A';

/** Every listening TCP port with its socket inodes, from one read of /proc/net/tcp and tcp6; undefined where /proc cannot tell. */
export function listeningSockets(): Map<number, string[]> | undefined {
	const byPort = new Map<number, string[]>();
	let readAny = false;
	for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
		let text: string;
		try {
			text = readFileSync(table, 'utf8');
			readAny = true;
		} catch {
			continue;
		}
		for (const row of text.split('\n').slice(1)) {
			const fields = row.trim().split(/\s+/);
			const local = fields[1];
			const inode = fields[9];
			if (!local || fields[3] !== listenState || !inode) continue;
			const port = Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
			byPort.set(port, [...(byPort.get(port) ?? []), inode]);
		}
	}
	return readAny ? byPort : undefined;
}

/** Socket inodes listening on `port`; undefined where /proc cannot tell. */
export function listeningInodes(port: number): string[] | undefined {
	const sockets = listeningSockets();
	return sockets === undefined ? undefined : (sockets.get(port) ?? []);
}

export interface PortHolder {
	pid: number;
	command: string;
}

/** Who listens on `port`: /proc first (our own user's processes), `ss -ltnp` as the fallback. */
export function findPortHolder(port: number, inodes: readonly string[]): PortHolder | undefined {
	const wanted = new Set(inodes);
	if (wanted.size > 0) {
		for (const pid of allPids()) {
			if (pid === process.pid) continue;
			for (const inode of socketInodes(pid)) {
				if (wanted.has(inode)) return {pid, command: (commandLine(pid) ?? []).join(' ') || '?'};
			}
		}
	}
	return holderFromSs(port);
}

function holderFromSs(port: number): PortHolder | undefined {
	try {
		const text = execFileSync('ss', ['-ltnpH', `sport = :${port}`], {encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore']});
		const match = /users:\(\("([^"]*)",pid=(\d+)/.exec(text);
		if (!match?.[1] || !match[2]) return undefined;
		const pid = Number(match[2]);
		return {pid, command: (commandLine(pid) ?? [match[1]]).join(' ')};
	} catch {
		return undefined;
	}
}

/**
 * Every port the daemons will bind must be free before anything starts. A busy port is an error
 * naming the port, the daemon that wants it and, where it can, the process holding it.
 */
export function assertPortsFree(wanted: ReadonlyArray<{daemon: string; port: number}>): void {
	const problems: string[] = [];
	// Read once for every port: /proc/net/tcp is made afresh by the kernel on each read.
	const sockets = listeningSockets();
	for (const {daemon, port} of wanted) {
		const inodes = sockets?.get(port);
		if (inodes === undefined || inodes.length === 0) continue;
		const holder = findPortHolder(port, inodes);
		problems.push(
			holder
				? `port ${port} (${daemon}) is in use by pid ${holder.pid}: ${holder.command}`
				: `port ${port} (${daemon}) is in use by another process`,
		);
	}
	if (problems.length > 0) {
		const [first, ...rest] = problems;
		throw new AmpError(`${first}; stop that process or choose other ports in amprun.yaml`, 1, rest);
	}
}
