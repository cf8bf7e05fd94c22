import {existsSync, readFileSync, rmSync} from 'node:fs';
import path from 'node:path';
import {distDirectory, patchesDirectory, readCurrent, safeList, safeName} from './host-files.js';
import {isAlive} from '../../system/proc.js';

/** Release directories that a running daemon of the instance was started from (a daemon a deploy kept running may be older than the previous release). */
function releasesInUse(root: string, name: string | undefined): string[] {
	if (!name) return [];
	const pids = path.join(root, 'var', name, 'pids');
	const used: string[] = [];
	for (const entry of safeList(pids)) {
		try {
			const [pidLine, , argvLine] = readFileSync(path.join(pids, entry), 'utf8').split('\n');
			if (!isAlive(Number(pidLine))) continue;
			for (const match of (argvLine ?? '').matchAll(/\/((?:ampify|instance)-[0-9a-f]{10})(?=\/|")/g)) used.push(match[1]!);
		} catch {
			// gone meanwhile
		}
	}
	return used;
}

/** Removes every release, tarball and received file not named in `keep`, but releases a running daemon was started from. */
export function cleanUp(root: string, keep: string[], name?: string): {removed: string[]} {
	const dist = distDirectory(root);
	const patches = patchesDirectory(root);
	const wanted = new Set([...keep, ...releasesInUse(root, name)]);
	const removed: string[] = [];
	for (const entry of safeList(dist)) {
		const release = /^(ampify|instance)-[0-9a-f]{10}$/.test(entry) ? entry : /^\.((?:ampify|instance)-[0-9a-f]{10})\.\d+\.unpacking$/.exec(entry)?.[1];
		if (release === undefined || (wanted.has(release) && release === entry)) continue;
		rmSync(path.join(dist, entry), {recursive: true, force: true});
		removed.push(entry);
	}
	for (const entry of safeList(patches)) {
		if (entry.endsWith('.tar') && wanted.has(entry.slice(0, -4))) continue;
		rmSync(path.join(patches, entry), {recursive: true, force: true});
		removed.push(`patches/${entry}`);
	}
	// set-up's stamps (one per ampzero release set up here) go with their releases.
	const stamps = path.join(root, 'var', 'deploy', 'set-up');
	for (const entry of safeList(stamps)) if (!wanted.has(entry)) rmSync(path.join(stamps, entry), {force: true});
	return {removed};
}

/** What one deploy made on a host: release directories it unpacked, tarballs it rebuilt, files it received (names under patches/). */
export interface MadeByDeploy {
	releases: string[];
	tarballs: string[];
	files: string[];
}

/**
 * Removes what this deploy made for releases that did not go live, and nothing else: another deploy's
 * files in flight, and releases that are current or previous, are left alone.
 */
export function discard(root: string, made: MadeByDeploy): {removed: string[]} {
	const dist = distDirectory(root);
	const patches = patchesDirectory(root);
	const current = readCurrent(path.join(dist, '.current'));
	const previous = readCurrent(path.join(dist, '.previous'));
	const live = new Set([current?.ampify, current?.instance, previous?.ampify, previous?.instance]);
	const removed: string[] = [];
	const remove = (entry: string): void => {
		if (!existsSync(entry)) return;
		rmSync(entry, {recursive: true, force: true});
		removed.push(path.relative(dist, entry));
	};
	for (const release of made.releases) if (!live.has(release)) remove(path.join(dist, safeName(release)));
	for (const release of made.tarballs) if (!live.has(release)) remove(path.join(patches, `${safeName(release)}.tar`));
	for (const file of made.files) {
		remove(path.join(patches, safeName(file)));
		remove(path.join(patches, `${safeName(file)}.part`));
	}
	return {removed};
}
