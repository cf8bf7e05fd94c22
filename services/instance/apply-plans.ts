import {randomBytes} from 'node:crypto';
import {lstat, mkdir, readlink, rename, rm, symlink} from 'node:fs/promises';
import path from 'node:path';
import {writeFileAtomic} from '../system/atomic-write.js';
import type {FilePlan} from './file-plans.js';

/**
 * Puts every plan in place under `root`: files by temp file + rename, symlinks by a temp link +
 * rename, so each path holds its old content or its new one, never a mix. Returns the paths that changed.
 */
export async function applyPlans(root: string, plans: FilePlan[], signal?: AbortSignal): Promise<string[]> {
	const changed: string[] = [];
	for (const plan of plans) {
		signal?.throwIfAborted();
		const target = path.join(root, plan.path);
		await mkdir(path.dirname(target), {recursive: true});
		if (plan.kind === 'file') {
			await writeFileAtomic(target, plan.content, plan.mode);
		} else {
			if ((await readlink(target).catch(() => undefined)) === plan.target) continue;
			const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
			await symlink(plan.target, temporary);
			// rename() replaces a file or a link, not a directory: a directory in the way is the user's, and an error.
			const existing = await lstat(target).catch(() => undefined);
			if (existing?.isDirectory()) {
				await rm(temporary);
				throw new Error(`${target} is a directory; move it away so the link can be made`);
			}
			await rename(temporary, target);
		}
		changed.push(plan.path);
	}
	return changed;
}
