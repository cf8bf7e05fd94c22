import {chmodSync, existsSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync} from 'node:fs';
import path from 'node:path';
import {distDirectory, patchesDirectory, safeName} from './host-files.js';
import {sha256File} from './receive.js';
import {noSay, run, type Say} from './run-program.js';

export interface UnpackRequest {
	release: string;
	/** The received file under patches/, or none when the tarball is already there. */
	file?: string;
	kind: 'patch' | 'full' | 'present';
	/** For a patch: the release whose tarball the patch applies to. */
	base?: string;
	/** sha256 of the release's uncompressed tarball. */
	tarSha256: string;
}

/**
 * Rebuilds the release tarball (patch applied to the base, or the full one decompressed), checks its
 * sha256 a second time, and unpacks it into `dist/<release>` through a temp directory and a rename.
 */
export async function unpack(root: string, request: UnpackRequest, say: Say = noSay): Promise<{unpacked: boolean; tarballMade: boolean}> {
	const dist = distDirectory(root);
	const patches = patchesDirectory(root);
	const release = safeName(request.release);
	const tarball = path.join(patches, `${release}.tar`);
	const tarballMade = request.kind !== 'present' && !existsSync(tarball);
	if (request.kind !== 'present') {
		const input = path.join(patches, safeName(request.file ?? ''));
		const building = `${tarball}.${process.pid}.tmp`;
		const args = ['-d', '-q', '-f', '--long=31', input, '-o', building];
		if (request.kind === 'patch') args.splice(3, 0, `--patch-from=${path.join(patches, `${safeName(request.base ?? '')}.tar`)}`);
		try {
			await run('zstd', args, {say});
			const actual = await sha256File(building);
			if (actual !== request.tarSha256) throw new Error(`${release}.tar rebuilt from ${request.file} has sha256 ${actual.slice(0, 12)}…, expected ${request.tarSha256.slice(0, 12)}…`);
			renameSync(building, tarball);
		} finally {
			rmSync(building, {force: true});
			rmSync(input, {force: true});
		}
	} else if ((await sha256File(tarball)) !== request.tarSha256) {
		throw new Error(`${release}.tar on this host does not match its sha256`);
	}
	const target = path.join(dist, release);
	if (existsSync(target)) return {unpacked: false, tarballMade};
	const temporary = path.join(dist, `.${release}.${process.pid}.unpacking`);
	rmSync(temporary, {recursive: true, force: true});
	// ampzero's own code is readable by the daemons' user; the instance (keys, passwords) stays
	// the owner's until `ampzero run` lets that user's group in.
	const mode = release.startsWith('ampify-') ? 0o755 : 0o700;
	mkdirSync(temporary, {mode});
	try {
		await run('tar', ['-x', '--no-same-owner', '-f', tarball, '-C', temporary], {say});
		// The tarball's own `./` entry carries the mode of the directory it was built in.
		chmodSync(temporary, mode);
		renameSync(temporary, target);
	} catch (error) {
		rmSync(temporary, {recursive: true, force: true});
		throw error;
	}
	return {unpacked: true, tarballMade};
}

/** Lines `<kind> <sha256 or link target> <path>`, sorted: what a tree holds, independent of modes and times. */
export async function treeManifest(directory: string): Promise<string> {
	const lines: string[] = [];
	const walk = async (relative: string): Promise<void> => {
		const entries = readdirSync(path.join(directory, relative), {withFileTypes: true});
		for (const entry of entries) {
			const child = relative ? `${relative}/${entry.name}` : entry.name;
			const full = path.join(directory, child);
			if (entry.isSymbolicLink()) lines.push(`l ${readlinkSync(full)} ${child}`);
			else if (entry.isDirectory()) await walk(child);
			else if (entry.isFile()) lines.push(`f ${await sha256File(full)} ${child}`);
		}
	};
	await walk('');
	return lines.sort().map(line => `${line}\n`).join('');
}

/** Compares an unpacked release with the manifest made where it was built; returns the paths that differ. */
export async function verifyTree(root: string, release: string, expected: string): Promise<{ok: boolean; differences: string[]}> {
	const actual = await treeManifest(path.join(distDirectory(root), safeName(release)));
	if (actual === expected) return {ok: true, differences: []};
	const want = new Set(expected.split('\n').filter(Boolean));
	const have = new Set(actual.split('\n').filter(Boolean));
	const pathOf = (line: string): string => line.slice(line.indexOf(' ', 2) + 1);
	const differences = [...new Set([...[...want].filter(line => !have.has(line)), ...[...have].filter(line => !want.has(line))].map(pathOf))].sort();
	return {ok: false, differences: differences.slice(0, 20)};
}
