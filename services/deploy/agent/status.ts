import {readdirSync, readFileSync} from 'node:fs';
import {hostname} from 'node:os';
import path from 'node:path';
import {distDirectory, patchesDirectory, readCurrent, type CurrentRecord} from './host-files.js';
import {isAlive} from '../../system/proc.js';
import {readLock, type LockRecord} from './lock.js';

export interface HostStatus {
	current?: CurrentRecord;
	previous?: CurrentRecord;
	lock?: LockRecord;
	/** Release directories under dist/. */
	releases: string[];
	/** Tarballs kept under dist/patches/ (bases for the next patch). */
	tarballs: string[];
	arch: string;
	abi: string;
	hostName: string;
	/** Whether `<root>/var/<name>/supervisor.pid` names a live process. */
	running?: boolean;
}

export function hostStatus(root: string, name?: string): HostStatus {
	const dist = distDirectory(root);
	let entries: string[] = [];
	try {
		entries = readdirSync(dist);
	} catch {
		// no dist yet: a first deploy
	}
	let tarballs: string[] = [];
	try {
		tarballs = readdirSync(patchesDirectory(root)).filter(entry => entry.endsWith('.tar')).map(entry => entry.slice(0, -4));
	} catch {
		// no patches directory yet
	}
	const current = readCurrent(path.join(dist, '.current'));
	const previous = readCurrent(path.join(dist, '.previous'));
	const lock = readLock(root);
	let running: boolean | undefined;
	if (name) {
		try {
			const pid = Number(readFileSync(path.join(root, 'var', name, 'supervisor.pid'), 'utf8').split('\n')[0]);
			running = pid > 0 && isAlive(pid);
		} catch {
			running = false;
		}
	}
	return {
		...(current ? {current} : {}),
		...(previous ? {previous} : {}),
		...(lock ? {lock} : {}),
		releases: entries.filter(entry => /^(ampify|instance)-[0-9a-f]{10}$/.test(entry)).sort(),
		tarballs: tarballs.sort(),
		arch: process.arch,
		abi: process.versions.modules,
		hostName: hostname(),
		...(running === undefined ? {} : {running}),
	};
}
