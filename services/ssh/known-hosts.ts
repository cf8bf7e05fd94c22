import {createHash, createHmac, randomBytes, timingSafeEqual} from 'node:crypto';
import {appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {AmpError} from '../errors.js';
import {hostKeyName} from './target.js';

/**
 * known_hosts as OpenSSH reads it (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): one key per line,
 * `[marker] hostpatterns keytype base64key [comment]`; host patterns are a comma list with `*`, `?`,
 * `!negation`, `[host]:port` for other ports, or one hashed `|1|salt|hmac-sha1` name.
 */
export interface KnownHostEntry {
	marker?: '@revoked' | '@cert-authority';
	patterns: string[];
	keyType: string;
	key: Buffer;
	/** 1-based, for messages. */
	line: number;
}

export type HostKeyVerdict =
	| {status: 'known'; entry: KnownHostEntry}
	| {status: 'unknown'}
	| {status: 'changed'; known: KnownHostEntry[]}
	| {status: 'revoked'; entry: KnownHostEntry};

export function parseKnownHosts(text: string): KnownHostEntry[] {
	const entries: KnownHostEntry[] = [];
	text.split('\n').forEach((raw, index) => {
		const fields = raw.trim().split(/\s+/);
		if (fields[0] === '' || fields[0]?.startsWith('#')) return;
		const marker = fields[0]?.startsWith('@') ? fields.shift() : undefined;
		const [hosts, keyType, base64] = fields;
		if (!hosts || !keyType || !base64) return;
		if (marker !== undefined && marker !== '@revoked' && marker !== '@cert-authority') return;
		const key = Buffer.from(base64, 'base64');
		if (key.length === 0) return;
		entries.push({...(marker ? {marker} : {}), patterns: hosts.split(','), keyType, key, line: index + 1});
	});
	return entries;
}

/** OpenSSH's fingerprint: SHA256 of the key blob, base64 without padding. */
export function fingerprint(key: Buffer): string {
	return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The algorithm name inside a key blob (its first SSH string). */
export function keyTypeOf(key: Buffer): string {
	if (key.length < 4) return 'unknown';
	const length = key.readUInt32BE(0);
	return key.subarray(4, 4 + length).toString('latin1');
}

function globMatches(pattern: string, name: string): boolean {
	const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
	return regex.test(name);
}

function hashedMatches(pattern: string, name: string): boolean {
	const [, magic, salt, hash] = pattern.split('|');
	if (magic !== '1' || !salt || !hash) return false;
	const expected = Buffer.from(hash, 'base64');
	const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
	return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Whether an entry's host patterns name `host` on `port` (a negated match wins over any other). */
function entryNamesHost(entry: KnownHostEntry, host: string, port: number): boolean {
	const name = hostKeyName(host, port);
	let matched = false;
	for (const pattern of entry.patterns) {
		if (pattern.startsWith('|')) {
			if (hashedMatches(pattern, name)) matched = true;
		} else if (pattern.startsWith('!')) {
			if (globMatches(pattern.slice(1), name)) return false;
		} else if (globMatches(pattern, name)) {
			matched = true;
		}
	}
	return matched;
}

/**
 * The verdict on the key a host presented. A revoked key is refused; any other key than the ones
 * listed for the host counts as changed. `@cert-authority` lines are skipped: host certificates are
 * not accepted, so they vouch for nothing here.
 */
export function checkHostKey(entries: readonly KnownHostEntry[], host: string, port: number, key: Buffer): HostKeyVerdict {
	const revoked = entries.find(entry => entry.marker === '@revoked' && entry.key.equals(key));
	if (revoked) return {status: 'revoked', entry: revoked};
	const listed = entries.filter(entry => entry.marker === undefined && entryNamesHost(entry, host, port));
	const same = listed.find(entry => entry.key.equals(key));
	if (same) return {status: 'known', entry: same};
	return listed.length > 0 ? {status: 'changed', known: listed} : {status: 'unknown'};
}

/** Key types listed for a host, so the handshake asks for one of them first (as OpenSSH does). */
export function knownKeyTypes(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
	return [...new Set(entries.filter(entry => entry.marker === undefined && entryNamesHost(entry, host, port)).map(entry => entry.keyType))];
}

export function readKnownHosts(file: string): KnownHostEntry[] {
	try {
		return parseKnownHosts(readFileSync(file, 'utf8'));
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
		throw new AmpError(`cannot read the known hosts file ${file}: ${(error as Error).message}`);
	}
}

/** A name as `ssh-keygen -H` hashes it: `|1|salt|HMAC-SHA1(salt, name)`. */
function hashHostName(name: string): string {
	const salt = randomBytes(20);
	return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

/** Appends a host's key (accept-new), making the file 0600 in a 0700 directory when it is new; hashed when the file's names are. */
export function appendKnownHost(file: string, host: string, port: number, key: Buffer): void {
	const directory = path.dirname(file);
	if (!existsSync(directory)) mkdirSync(directory, {recursive: true, mode: 0o700});
	const isNew = !existsSync(file);
	let prefix = '';
	let hashed = false;
	if (!isNew) {
		const text = readFileSync(file, 'utf8');
		if (text !== '' && !text.endsWith('\n')) prefix = '\n';
		// A file whose names are hashed (HashKnownHosts) gets a hashed name too.
		hashed = parseKnownHosts(text).some(entry => entry.patterns[0]?.startsWith('|1|'));
	}
	appendFileSync(file, `${prefix}${hashed ? hashHostName(hostKeyName(host, port)) : hostKeyName(host, port)} ${keyTypeOf(key)} ${key.toString('base64')}\n`, {mode: 0o600});
	if (isNew) chmodSync(file, 0o600);
}
