import {createHmac, randomBytes} from 'node:crypto';
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {appendKnownHost, checkHostKey, fingerprint, keyTypeOf, knownKeyTypes, parseKnownHosts} from '../../services/ssh/known-hosts.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'ampzero-known-hosts-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

/** A real ed25519 public key blob, as ssh-keygen writes it. */
function makeKey(name: string): {blob: Buffer; line: string; file: string} {
	const file = path.join(scratch, name);
	execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
	const line = readFileSync(`${file}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
	return {blob: Buffer.from(line.split(' ')[1]!, 'base64'), line, file: `${file}.pub`};
}

/** Written here as the spec says, not with the code under test. */
function hashed(name: string): string {
	const salt = randomBytes(20);
	return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

const one = makeKey('one');
const two = makeKey('two');

describe('known_hosts matching', () => {
	it('finds a host in plain entries, comma lists and wildcards, on port 22 only unless [host]:port', () => {
		const entries = parseKnownHosts(`# comment\n\nweb1,10.0.0.5 ${one.line}\n*.example.org ${two.line} a comment\n[10.0.0.6]:2222 ${one.line}\n`);
		expect(checkHostKey(entries, '10.0.0.5', 22, one.blob)).toMatchObject({status: 'known', entry: {line: 3}});
		expect(checkHostKey(entries, 'WEB1', 22, one.blob).status).toBe('known');
		expect(checkHostKey(entries, 'db.example.org', 22, two.blob).status).toBe('known');
		expect(checkHostKey(entries, '10.0.0.5', 2222, one.blob).status).toBe('unknown');
		expect(checkHostKey(entries, '10.0.0.6', 2222, one.blob).status).toBe('known');
		expect(checkHostKey(entries, '10.0.0.6', 22, one.blob).status).toBe('unknown');
		expect(checkHostKey(entries, '10.0.0.7', 22, one.blob).status).toBe('unknown');
	});

	it('calls any other key for a listed host changed, listing what is on file', () => {
		const entries = parseKnownHosts(`10.0.0.5 ${one.line}\n`);
		const verdict = checkHostKey(entries, '10.0.0.5', 22, two.blob);
		expect(verdict).toMatchObject({status: 'changed', known: [{line: 1, keyType: 'ssh-ed25519'}]});
	});

	it('matches hashed entries (HMAC-SHA1 of the name with the salt), also for [host]:port', () => {
		const entries = parseKnownHosts(`${hashed('10.0.0.5')} ${one.line}\n${hashed('[10.0.0.6]:2222')} ${two.line}\n`);
		expect(checkHostKey(entries, '10.0.0.5', 22, one.blob).status).toBe('known');
		expect(checkHostKey(entries, '10.0.0.6', 2222, two.blob).status).toBe('known');
		expect(checkHostKey(entries, '10.0.0.6', 22, two.blob).status).toBe('unknown');
		expect(checkHostKey(entries, '10.0.0.5', 22, two.blob).status).toBe('changed');
	});

	it('agrees with ssh-keygen -H on hashed names', () => {
		const file = path.join(scratch, 'hash_me');
		writeFileSync(file, `host.example.com ${one.line}\n[host.example.com]:2200 ${two.line}\n`);
		execFileSync('ssh-keygen', ['-q', '-H', '-f', file], {stdio: 'ignore'});
		const entries = parseKnownHosts(readFileSync(file, 'utf8'));
		expect(entries.every(entry => entry.patterns[0]!.startsWith('|1|'))).toBe(true);
		expect(checkHostKey(entries, 'host.example.com', 22, one.blob).status).toBe('known');
		expect(checkHostKey(entries, 'host.example.com', 2200, two.blob).status).toBe('known');
	});

	it('honours negated patterns, refuses @revoked keys and skips @cert-authority lines', () => {
		const entries = parseKnownHosts(
			[`*.example.org,!secret.example.org ${one.line}`, `@revoked * ${two.line}`, `@cert-authority *.example.org ${two.line}`, `@unknown-marker x ${one.line}`, 'garbage'].join('\n'),
		);
		expect(entries).toHaveLength(3);
		expect(checkHostKey(entries, 'www.example.org', 22, one.blob).status).toBe('known');
		expect(checkHostKey(entries, 'secret.example.org', 22, one.blob).status).toBe('unknown');
		expect(checkHostKey(entries, 'www.example.org', 22, two.blob)).toMatchObject({status: 'revoked', entry: {line: 2}});
		expect(knownKeyTypes(entries, 'www.example.org', 22)).toEqual(['ssh-ed25519']);
		expect(knownKeyTypes(entries, 'elsewhere', 22)).toEqual([]);
	});

	it('fingerprints keys as ssh-keygen -l does, and reads their type', () => {
		const expected = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', one.file], {encoding: 'utf8'}).split(' ')[1];
		expect(fingerprint(one.blob)).toBe(expected);
		expect(keyTypeOf(one.blob)).toBe('ssh-ed25519');
	});

	it('appends accepted keys in the format OpenSSH reads, creating the file 0600', () => {
		const file = path.join(scratch, 'new', 'known_hosts');
		appendKnownHost(file, '10.0.0.5', 22, one.blob);
		writeFileSync(file, readFileSync(file, 'utf8').trimEnd());
		appendKnownHost(file, '10.0.0.6', 2222, two.blob);
		expect(readFileSync(file, 'utf8')).toBe(`10.0.0.5 ${one.line}\n[10.0.0.6]:2222 ${two.line}\n`);
		expect(execFileSync('ssh-keygen', ['-F', '[10.0.0.6]:2222', '-f', file], {encoding: 'utf8'})).toContain(two.line);
		expect(execFileSync('stat', ['-c', '%a', file, path.dirname(file)], {encoding: 'utf8'})).toBe('600\n700\n');
	});

	it('hashes an appended name when the file already hashes its names', () => {
		const file = path.join(scratch, 'hashed_known_hosts');
		writeFileSync(file, `${hashed('10.0.0.5')} ${one.line}\n`);
		appendKnownHost(file, '10.0.0.6', 2222, two.blob);
		const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
		expect(lines[1]).toMatch(/^\|1\|[^ ]+ ssh-ed25519 /);
		expect(execFileSync('ssh-keygen', ['-F', '[10.0.0.6]:2222', '-f', file], {encoding: 'utf8'})).toContain(two.line.split(' ')[1]);
	});
});
