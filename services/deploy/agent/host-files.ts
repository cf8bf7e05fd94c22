/** Paths and files under the deploy root on a host (`<root>/dist`, its patches/ and its record files). */
import {randomBytes} from 'node:crypto';
import {readdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import path from 'node:path';

export interface CurrentRecord {
	ampify: string;
	instance: string;
}

export function distDirectory(root: string): string {
	return path.join(root, 'dist');
}

export function patchesDirectory(root: string): string {
	return path.join(root, 'dist', 'patches');
}

/** Writes a file so that a reader sees the old content or the new, never half of it. */
export function writeAtomically(file: string, content: string, mode = 0o644): void {
	const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
	writeFileSync(temporary, content, {mode});
	renameSync(temporary, file);
}

export function readCurrent(file: string): CurrentRecord | undefined {
	try {
		const [ampify, instance] = readFileSync(file, 'utf8').split('\n');
		return ampify && instance ? {ampify, instance} : undefined;
	} catch {
		return undefined;
	}
}

export function formatCurrent(record: CurrentRecord): string {
	return `${record.ampify}\n${record.instance}\n`;
}

export function safeName(name: string): string {
	if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.')) throw new Error(`bad file name ${JSON.stringify(name)}`);
	return name;
}

export function safeList(directory: string): string[] {
	try {
		return readdirSync(directory);
	} catch {
		return [];
	}
}
