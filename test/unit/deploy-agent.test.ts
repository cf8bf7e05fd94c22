import {execFileSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {Readable} from 'node:stream';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {cleanUp, discard} from '../../services/deploy/agent/clean-up.js';
import {releaseLock, takeLock, type LockRecord} from '../../services/deploy/agent/lock.js';
import {receive, sha256File, verifyReceived} from '../../services/deploy/agent/receive.js';
import {hostStatus} from '../../services/deploy/agent/status.js';
import {switchRelease} from '../../services/deploy/agent/switch.js';
import {treeManifest, unpack, verifyTree} from '../../services/deploy/agent/unpack.js';

let root: string;
let work: string;
beforeEach(() => {
	root = mkdtempSync(path.join(os.tmpdir(), 'ampzero-agent-'));
	work = mkdtempSync(path.join(os.tmpdir(), 'ampzero-agent-work-'));
});
afterEach(() => {
	rmSync(root, {recursive: true, force: true});
	rmSync(work, {recursive: true, force: true});
});

const record = (deployId: string): LockRecord => ({deployId, who: 'me@here', host: 'here', pid: 1, when: '2026-01-01T00:00:00Z', version: 'ampify-0000000000 instance-0000000000'});

/** A release tree and its tarball as the deploy machine makes them. */
function makeTarball(name: string, files: Record<string, string>): {tar: string; zst: string} {
	const stage = path.join(work, `${name}-stage`);
	for (const [file, content] of Object.entries(files)) {
		mkdirSync(path.dirname(path.join(stage, file)), {recursive: true});
		writeFileSync(path.join(stage, file), content);
	}
	const tar = path.join(work, `${name}.tar`);
	execFileSync('tar', ['--sort=name', '--mtime=@946684800', '--owner=0', '--group=0', '-cf', tar, '-C', stage, '.']);
	execFileSync('zstd', ['-q', '-f', tar, '-o', `${tar}.zst`]);
	return {tar, zst: `${tar}.zst`};
}

describe('the remote agent', () => {
	it('takes the lock-file once, names its holder to the next, and releases it only for its own deploy', () => {
		expect(takeLock(root, record('one'))).toEqual({taken: true});
		expect(takeLock(root, record('two'))).toEqual({taken: false, holder: record('one')});
		expect(releaseLock(root, 'two')).toBe(false);
		expect(hostStatus(root).lock?.deployId).toBe('one');
		expect(takeLock(root, record('two'), true)).toEqual({taken: true});
		expect(releaseLock(root, 'two')).toBe(true);
		expect(hostStatus(root).lock).toBeUndefined();
	});

	it('receives, verifies, patches, unpacks and checks a release against its manifest', async () => {
		const files = {'a.txt': 'alpha\n'.repeat(1000), 'dir/b.txt': 'beta\n'};
		const one = makeTarball('instance-1111111111', files);
		const two = makeTarball('instance-2222222222', {...files, 'dir/b.txt': 'beta two\n'});
		const manifestTwo = await treeManifest(path.join(work, 'instance-2222222222-stage'));

		// First: the full tarball, one byte damaged on the way, then whole.
		const full = readFileSync(one.zst);
		const damaged = Buffer.from(full);
		damaged[20] = damaged[20]! ^ 0xff;
		await receive(root, 'instance-1111111111.tar.zst', Readable.from([damaged]));
		expect((await verifyReceived(root, 'instance-1111111111.tar.zst', await sha256File(one.zst))).ok).toBe(false);
		await receive(root, 'instance-1111111111.tar.zst', Readable.from([full]));
		expect((await verifyReceived(root, 'instance-1111111111.tar.zst', await sha256File(one.zst))).ok).toBe(true);
		expect(await unpack(root, {release: 'instance-1111111111', kind: 'full', file: 'instance-1111111111.tar.zst', tarSha256: await sha256File(one.tar)})).toEqual({unpacked: true, tarballMade: true});

		// Then a patch against it.
		const patch = path.join(work, 'p.patch.zst');
		execFileSync('zstd', ['-q', '-f', '--long=31', `--patch-from=${one.tar}`, two.tar, '-o', patch]);
		await receive(root, 'p.patch.zst', Readable.from([readFileSync(patch)]));
		expect((await verifyReceived(root, 'p.patch.zst', await sha256File(patch))).ok).toBe(true);
		await unpack(root, {release: 'instance-2222222222', kind: 'patch', file: 'p.patch.zst', base: 'instance-1111111111', tarSha256: await sha256File(two.tar)});
		expect(readFileSync(path.join(root, 'dist', 'instance-2222222222', 'dir', 'b.txt'), 'utf8')).toBe('beta two\n');
		expect(await verifyTree(root, 'instance-2222222222', manifestTwo)).toEqual({ok: true, differences: []});
		writeFileSync(path.join(root, 'dist', 'instance-2222222222', 'dir', 'b.txt'), 'tampered\n');
		expect(await verifyTree(root, 'instance-2222222222', manifestTwo)).toEqual({ok: false, differences: ['dir/b.txt']});

		// A tarball that does not rebuild to the expected sha256 is refused and nothing is unpacked.
		await receive(root, 'q.patch.zst', Readable.from([readFileSync(patch)]));
		await verifyReceived(root, 'q.patch.zst', await sha256File(patch));
		await expect(unpack(root, {release: 'instance-3333333333', kind: 'patch', file: 'q.patch.zst', base: 'instance-1111111111', tarSha256: '0'.repeat(64)})).rejects.toThrow(/sha256/);
		expect(existsSync(path.join(root, 'dist', 'instance-3333333333'))).toBe(false);
	});

	it('switches symlinks and .current/.previous by rename, then cleans up all but the previous release', () => {
		for (const release of ['ampify-aaaaaaaaaa', 'instance-aaaaaaaaaa', 'ampify-bbbbbbbbbb', 'instance-bbbbbbbbbb', 'ampify-cccccccccc', 'instance-cccccccccc']) {
			mkdirSync(path.join(root, 'dist', release), {recursive: true});
			mkdirSync(path.join(root, 'dist', 'patches'), {recursive: true});
			writeFileSync(path.join(root, 'dist', 'patches', `${release}.tar`), '');
		}
		const a = {ampify: 'ampify-aaaaaaaaaa', instance: 'instance-aaaaaaaaaa'};
		const b = {ampify: 'ampify-bbbbbbbbbb', instance: 'instance-bbbbbbbbbb'};
		switchRelease(root, a, null);
		switchRelease(root, b, a);
		expect(readlinkSync(path.join(root, 'dist', 'ampify'))).toBe('ampify-bbbbbbbbbb');
		expect(readlinkSync(path.join(root, 'dist', 'instance'))).toBe('instance-bbbbbbbbbb');
		expect(hostStatus(root)).toMatchObject({current: b, previous: a});
		expect(() => switchRelease(root, {ampify: 'ampify-dddddddddd', instance: 'instance-bbbbbbbbbb'}, b)).toThrow(/not on this host/);
		cleanUp(root, [b.ampify, b.instance, a.ampify, a.instance]);
		expect(hostStatus(root).releases).toEqual(['ampify-aaaaaaaaaa', 'ampify-bbbbbbbbbb', 'instance-aaaaaaaaaa', 'instance-bbbbbbbbbb']);
		expect(hostStatus(root).tarballs).toEqual(['ampify-aaaaaaaaaa', 'ampify-bbbbbbbbbb', 'instance-aaaaaaaaaa', 'instance-bbbbbbbbbb']);
		// discard never removes what .current or .previous name, and removes only what it is told this deploy made.
		mkdirSync(path.join(root, 'dist', 'instance-cccccccccc'));
		mkdirSync(path.join(root, 'dist', 'instance-dddddddddd'));
		writeFileSync(path.join(root, 'dist', 'patches', 'instance-cccccccccc.tar.zst.part'), 'in flight, ours');
		writeFileSync(path.join(root, 'dist', 'patches', 'instance-dddddddddd.tar.zst.part'), 'in flight, another deploy');
		discard(root, {releases: [b.ampify, 'instance-cccccccccc'], tarballs: [], files: ['instance-cccccccccc.tar.zst']});
		expect(hostStatus(root).releases).toContain('ampify-bbbbbbbbbb');
		expect(hostStatus(root).releases).not.toContain('instance-cccccccccc');
		expect(hostStatus(root).releases).toContain('instance-dddddddddd');
		expect(existsSync(path.join(root, 'dist', 'patches', 'instance-cccccccccc.tar.zst.part'))).toBe(false);
		expect(existsSync(path.join(root, 'dist', 'patches', 'instance-dddddddddd.tar.zst.part'))).toBe(true);
	});
});
