import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {AmpError} from '../errors.js';
import {allPids, commandLine, socketInodes} from '../system/proc.js';
import type {DaemonSpec} from './spec.js';

const listenState = '0A';

/** Every listening TCP port with its socket inodes, from one read of /proc/net/tcp and tcp6; undefined where /proc cannot tell. */
function listeningSockets(): Map<number, string[]> | undefined {
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

interface PortHolder {
	pid: number;
	command: string;
}

/** Who listens on `port`: /proc first (our own user's processes), `ss -ltnp` as the fallback. */
function findPortHolder(port: number, inodes: readonly string[]): PortHolder | undefined {
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

/** Ports that are taken; `daemon` names the first daemon that wanted one of them. */
export class PortsBusyError extends AmpError {
	constructor(
		readonly daemon: string,
		message: string,
		details: string[],
	) {
		super(message, 1, details);
	}
}

/**
 * The one port check before start: every port the daemons will bind must be free before anything
 * starts. A busy port is a PortsBusyError naming the port, the daemon that wants it and, where it
 * can, the process holding it. `ampzero run` calls it before it spawns a supervisor (a busy port
 * then spawns nothing); the supervisor calls it again in start(), for --no-daemon and for a port
 * taken in between.
 */
export function assertPortsFree(specs: ReadonlyArray<Pick<DaemonSpec, 'name' | 'ports'>>): void {
	const problems: Array<{daemon: string; text: string}> = [];
	// Read once for every port: /proc/net/tcp is made afresh by the kernel on each read.
	const sockets = listeningSockets();
	for (const {name: daemon, ports} of specs) {
		for (const port of ports) {
			const inodes = sockets?.get(port);
			if (inodes === undefined || inodes.length === 0) continue;
			const holder = findPortHolder(port, inodes);
			problems.push({
				daemon,
				text: holder ? `port ${port} (${daemon}) is in use by pid ${holder.pid}: ${holder.command}` : `port ${port} (${daemon}) is in use by another process`,
			});
		}
	}
	const [first, ...rest] = problems;
	if (first) throw new PortsBusyError(first.daemon, `${first.text}; stop that process or choose other ports in amprun.yaml`, rest.map(problem => problem.text));
}
