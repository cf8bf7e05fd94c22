import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {daemonFingerprint, withFingerprints} from '../../services/daemons/fingerprint.js';
import {withoutReleaseNames} from '../../services/supervisor/pid-files.js';
import type {DaemonSpec} from '../../services/supervisor/spec.js';

let root: string | undefined;
afterEach(() => {
	if (root) rmSync(root, {recursive: true, force: true});
	root = undefined;
});

/** Two instance releases side by side as a deployed host has them, and the `instance` link to the first. */
function releases(): {dist: string; link: string; a: string; b: string} {
	root = mkdtempSync(path.join(os.tmpdir(), 'ampzero-fingerprint-'));
	const dist = path.join(root, 'dist');
	const a = path.join(dist, 'instance-aaaaaaaaaa');
	const b = path.join(dist, 'instance-bbbbbbbbbb');
	for (const release of [a, b]) {
		mkdirSync(path.join(release, 'keyspace'), {recursive: true});
		mkdirSync(path.join(release, 'tls', 'hosts'), {recursive: true});
		writeFileSync(path.join(release, 'tls', 'ca.cert'), 'CA');
		writeFileSync(path.join(release, 'tls', 'hosts', 'beta.cert'), 'beta certificate');
	}
	const link = path.join(dist, 'instance');
	symlinkSync('instance-aaaaaaaaaa', link);
	// Each release's config names the files through the link, as prepare-instance writes it.
	for (const release of [a, b]) writeFileSync(path.join(release, 'keyspace', 'keyspace-1.conf'), `name: keyspace-1\ncert-file: ${link}/tls/hosts/beta.cert\ntrusted-ca-file: ${link}/tls/ca.cert\n`);
	return {dist, link, a, b};
}

const keyspace = (instanceDirectory: string): DaemonSpec => ({
	name: 'keyspace',
	command: '/usr/bin/etcd',
	args: ['--config-file', path.join(instanceDirectory, 'keyspace', 'keyspace-1.conf')],
	ports: [2379],
	dependsOn: [],
	ready: {kind: 'none'},
	readyTimeoutMs: 1000,
	stopSignal: 'SIGTERM',
	stopTimeoutMs: 1000,
});

describe('daemon fingerprints', () => {
	it('release directory names are left out of command lines and files', () => {
		expect(withoutReleaseNames('/opt/ampzero/dist/ampify-0123456789/dist/source/daemons/zerodata.bundle.js /opt/ampzero/dist/instance-abcdef0123')).toBe('/opt/ampzero/dist/ampify/dist/source/daemons/zerodata.bundle.js /opt/ampzero/dist/instance');
		expect(withoutReleaseNames('/home/me/instance-notes/x')).toBe('/home/me/instance-notes/x');
	});

	it('a release not yet switched to, read from its own directory, has the fingerprint the running one has when nothing changed', () => {
		const {link, a, b} = releases();
		const running = daemonFingerprint(keyspace(link), {instanceDirectory: link});
		expect(daemonFingerprint(keyspace(link), {instanceDirectory: link, readFrom: b})).toBe(running);
		// A config that names its release's own directory (as releases were prepared before the link) counts the same.
		writeFileSync(path.join(a, 'keyspace', 'keyspace-1.conf'), `name: keyspace-1\ncert-file: ${a}/tls/hosts/beta.cert\ntrusted-ca-file: ${a}/tls/ca.cert\n`);
		expect(daemonFingerprint(keyspace(a), {instanceDirectory: a})).toBe(running);
	});

	it('changes when the config changes, or a file the config names (a renewed certificate), not when another file does', () => {
		const {link, b} = releases();
		const running = daemonFingerprint(keyspace(link), {instanceDirectory: link});
		writeFileSync(path.join(b, 'tls', 'hosts', 'gamma.cert'), 'another host');
		expect(daemonFingerprint(keyspace(link), {instanceDirectory: link, readFrom: b})).toBe(running);
		writeFileSync(path.join(b, 'tls', 'hosts', 'beta.cert'), 'renewed beta certificate');
		expect(daemonFingerprint(keyspace(link), {instanceDirectory: link, readFrom: b})).not.toBe(running);
		writeFileSync(path.join(b, 'tls', 'hosts', 'beta.cert'), 'beta certificate');
		writeFileSync(path.join(b, 'keyspace', 'keyspace-1.conf'), `name: keyspace-1\nheartbeat-interval: 200\n`);
		expect(daemonFingerprint(keyspace(link), {instanceDirectory: link, readFrom: b})).not.toBe(running);
	});

	it('only the daemons that keep state get one', () => {
		const {link} = releases();
		const specs = withFingerprints([keyspace(link), {...keyspace(link), name: 'ampnode'}], {instanceDirectory: link});
		expect(specs[0]!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
		expect(specs[1]!.fingerprint).toBeUndefined();
	});
});
