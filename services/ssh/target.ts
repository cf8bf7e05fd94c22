import {userInfo} from 'node:os';
import {UsageError} from '../errors.js';

/** Where to connect, as the user wrote it (`user@host[:port]`); ~/.ssh/config may still map `host`. */
export interface SshTarget {
	user: string;
	host: string;
	port: number;
	/** As the user wrote it: user@host[:port]. */
	label: string;
	/**
	 * Parts the text left out, filled with defaults (the local user name, port 22): ~/.ssh/config's
	 * User and Port replace these, never a part the user wrote. Absent: everything was written.
	 */
	defaulted?: ReadonlyArray<'user' | 'port'>;
}

const userPattern = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const hostNamePattern = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
const ipv6Pattern = /^[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?$/;

/**
 * Parses `[user@]host[:port]`, where host is a name, an IPv4 address or `[IPv6]`. A missing user is
 * `defaultUser` (ssh's own rule: the local user name) unless ~/.ssh/config names one.
 */
export function parseSshTarget(text: string, defaultUser = userInfo().username): SshTarget {
	const label = text.trim();
	const bad = (why: string) => new UsageError(`bad SSH host "${text}": ${why} (expected user@host or user@host:port)`);
	if (label === '') throw bad('it is empty');
	const at = label.lastIndexOf('@');
	const user = at === -1 ? defaultUser : label.slice(0, at);
	if (!userPattern.test(user)) throw bad(at === -1 ? `the default user ${user} is not a user name` : `"${user}" is not a user name`);
	const hostPort = label.slice(at + 1);

	let host: string;
	let portText: string | undefined;
	if (hostPort.startsWith('[')) {
		const close = hostPort.indexOf(']');
		if (close === -1) throw bad('"[" without "]"');
		host = hostPort.slice(1, close);
		const rest = hostPort.slice(close + 1);
		if (rest !== '' && !rest.startsWith(':')) throw bad(`unexpected "${rest}" after "]"`);
		portText = rest === '' ? undefined : rest.slice(1);
		if (!ipv6Pattern.test(host) && !hostNamePattern.test(host)) throw bad(`"${host}" is not a host name or address`);
	} else {
		const colons = hostPort.split(':').length - 1;
		if (colons > 1) throw bad('write an IPv6 address in brackets, as [::1]:22');
		[host, portText] = hostPort.split(':') as [string, string | undefined];
		if (!hostNamePattern.test(host)) throw bad(host === '' ? 'no host name' : `"${host}" is not a host name or address`);
	}
	let port = 22;
	if (portText !== undefined) {
		if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) throw bad(`"${portText}" is not a port (1-65535)`);
		port = Number(portText);
	}
	const defaulted = [...(at === -1 ? (['user'] as const) : []), ...(portText === undefined ? (['port'] as const) : [])];
	return {user, host, port, label, ...(defaulted.length > 0 ? {defaulted} : {})};
}

/** How known_hosts and messages name a host: `host` on port 22, else `[host]:port`. */
export function hostKeyName(host: string, port: number): string {
	return port === 22 ? host : `[${host}]:${port}`;
}
