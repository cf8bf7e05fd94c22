import {createHash} from 'node:crypto';
import {createReadStream, createWriteStream, mkdirSync, renameSync, rmSync, statSync} from 'node:fs';
import path from 'node:path';
import {pipeline} from 'node:stream/promises';
import {patchesDirectory, safeName} from './host-files.js';

export function sha256File(file: string): Promise<string> {
	return new Promise((resolve, reject) => {
		const hash = createHash('sha256');
		createReadStream(file)
			.on('data', chunk => hash.update(chunk))
			.on('error', reject)
			.on('end', () => resolve(hash.digest('hex')));
	});
}

/** Receives stdin into `patches/<file>.part`. */
export async function receive(root: string, file: string, input: NodeJS.ReadableStream): Promise<{bytes: number}> {
	const directory = patchesDirectory(root);
	mkdirSync(directory, {recursive: true, mode: 0o700});
	const part = path.join(directory, `${safeName(file)}.part`);
	await pipeline(input, createWriteStream(part, {mode: 0o600}));
	return {bytes: statSync(part).size};
}

/** Checks `patches/<file>.part` against its sha256; keeps it as `patches/<file>` when it matches, removes it when not. */
export async function verifyReceived(root: string, file: string, sha256: string): Promise<{ok: boolean; actual: string}> {
	const part = path.join(patchesDirectory(root), `${safeName(file)}.part`);
	const actual = await sha256File(part);
	if (actual !== sha256) {
		rmSync(part, {force: true});
		return {ok: false, actual};
	}
	renameSync(part, path.join(patchesDirectory(root), safeName(file)));
	return {ok: true, actual};
}
