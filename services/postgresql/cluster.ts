import {chmodSync, chownSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, mkdirSync} from 'node:fs';
import path from 'node:path';
import {AmpError, errorMessage} from '../errors.js';
import {runProgram} from '../system/run-program.js';

/*
 * A PostgreSQL server of our own (zerodata's engine, and the tests'): Debian's binaries, a data
 * directory made by initdb, reached only through a unix socket in a private directory (plus a
 * loopback port when asked). PostgreSQL refuses to run as root, so as root it runs as the
 * `postgres` user that Debian's package creates.
 */

const binRoot = '/usr/lib/postgresql';

/** The database role zerodata connects as; initdb makes it the superuser. */
const databaseRole = 'zerodata';
/** The socket file is `.s.PGSQL.<port>` even when nothing listens on TCP. */
const defaultSocketPort = 5432;

/** The absolute path of a PostgreSQL program of the newest installed major version. */
export function postgresqlProgram(program: 'initdb' | 'postgres' | 'pg_ctl'): string {
	let versions: string[] = [];
	try {
		versions = readdirSync(binRoot).filter(name => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
	} catch {
		// not installed
	}
	for (const version of versions) {
		const candidate = path.join(binRoot, version, 'bin', program);
		if (existsSync(candidate)) return candidate;
	}
	throw new AmpError(`PostgreSQL is not installed (no ${binRoot}/<version>/bin/${program}): install it with \`sudo apt-get install -y postgresql\``);
}

export interface OsUser {
	name: string;
	uid: number;
	gid: number;
}

/** Who runs PostgreSQL: this user, or `postgres` when this is root. */
export function postgresqlOsUser(): OsUser | undefined {
	if (process.getuid?.() !== 0) return undefined;
	const line = readFileSync('/etc/passwd', 'utf8')
		.split('\n')
		.find(entry => entry.startsWith('postgres:'));
	const fields = line?.split(':');
	if (fields === undefined || fields.length < 4) {
		throw new AmpError('running as root, PostgreSQL needs the `postgres` user, which is missing: install it with `sudo apt-get install -y postgresql`');
	}
	return {name: 'postgres', uid: Number(fields[2]), gid: Number(fields[3])};
}

/**
 * As root: lets `user` reach `directory` (owned by it, 0700) through `trustedAncestors` (given the
 * user's group and g+x, never "others"); any other ancestor must already let it pass.
 */
export function giveDirectoryTo(directory: string, user: OsUser | undefined, trustedAncestors: string[]): void {
	mkdirSync(directory, {recursive: true, mode: 0o700});
	if (user === undefined) return;
	chownSync(directory, user.uid, user.gid);
	chmodSync(directory, 0o700);
	for (const ancestor of trustedAncestors) {
		const stat = statSync(ancestor);
		chownSync(ancestor, stat.uid, user.gid);
		chmodSync(ancestor, (stat.mode & 0o777) | 0o010);
	}
	for (let ancestor = path.dirname(directory); ancestor !== path.dirname(ancestor); ancestor = path.dirname(ancestor)) {
		const stat = statSync(ancestor);
		const passes = stat.mode & 0o001 || (stat.gid === user.gid && stat.mode & 0o010) || stat.uid === user.uid;
		if (!passes) {
			throw new AmpError(`the ${user.name} user cannot reach ${directory}: ${ancestor} does not let it pass (chmod o+x ${ancestor}, or choose an amprun root outside it)`);
		}
	}
}

/** Creates the cluster in `dataDirectory` unless one is there; a half-made one never takes its place. */
export async function initCluster(dataDirectory: string, user: OsUser | undefined): Promise<boolean> {
	if (existsSync(path.join(dataDirectory, 'PG_VERSION'))) return false;
	const staging = `${dataDirectory}.initdb`;
	rmSync(staging, {recursive: true, force: true});
	mkdirSync(staging, {mode: 0o700});
	if (user !== undefined) chownSync(staging, user.uid, user.gid);
	try {
		await runProgram(
			postgresqlProgram('initdb'),
			['-D', staging, '-U', databaseRole, '--auth-local=trust', '--auth-host=reject', '--encoding=UTF8', '--locale=C', '--no-instructions'],
			{timeout: 120_000, uid: user?.uid, gid: user?.gid, cwd: '/', install: 'install it with `sudo apt-get install -y postgresql`'},
		);
	} catch (error) {
		rmSync(staging, {recursive: true, force: true});
		const details = error instanceof AmpError ? error.details.join('\n') : '';
		throw new AmpError(`initdb of ${dataDirectory} failed: ${details || errorMessage(error)}`);
	}
	rmSync(dataDirectory, {recursive: true, force: true});
	renameSync(staging, dataDirectory);
	return true;
}

/** The arguments of `postgres`: the data directory, the socket directory, and TCP only on loopback when a port is given. */
export function postgresArgs(dataDirectory: string, socketDirectory: string, tcpPort?: number): string[] {
	return [
		'-D', dataDirectory,
		'-k', socketDirectory,
		'-p', String(tcpPort ?? defaultSocketPort),
		'-c', `listen_addresses=${tcpPort === undefined ? '' : '127.0.0.1'}`,
		'-c', 'unix_socket_permissions=0700',
		'-c', 'max_connections=100',
		'-c', 'logging_collector=off',
	];
}

/** What zerodata connects to: the server behind the socket in `socketDirectory`. */
export function socketUrl(socketDirectory: string, port = defaultSocketPort): string {
	return `postgresql://${databaseRole}@localhost/postgres?host=${encodeURIComponent(socketDirectory)}&port=${port}`;
}

/** The line PostgreSQL logs when it accepts connections: the supervisor's readiness probe. */
export const readyLine = 'database system is ready to accept connections';
