import {existsSync, renameSync, rmSync, symlinkSync} from 'node:fs';
import path from 'node:path';
import {distDirectory, formatCurrent, safeName, writeAtomically, type CurrentRecord} from './host-files.js';

/** Points `name` at `target` by renaming a fresh symlink over it: there is never a moment without one. */
function switchSymlink(directory: string, name: string, target: string): void {
	const temporary = path.join(directory, `.${name}.${process.pid}.link`);
	rmSync(temporary, {force: true});
	symlinkSync(target, temporary);
	renameSync(temporary, path.join(directory, name));
}

/** Switches `ampify`, `instance`, `.current` and `.previous`; each change is one rename. `to` null: a host that had no release before goes back to none. */
export function switchRelease(root: string, to: CurrentRecord | null, previous: CurrentRecord | null | undefined): void {
	const dist = distDirectory(root);
	if (to === null) {
		for (const entry of ['.current', 'ampify', 'instance']) rmSync(path.join(dist, entry), {force: true});
		if (previous) writeAtomically(path.join(dist, '.previous'), formatCurrent(previous));
		return;
	}
	for (const release of [to.ampify, to.instance]) if (!existsSync(path.join(dist, safeName(release)))) throw new Error(`${release} is not on this host`);
	if (previous) writeAtomically(path.join(dist, '.previous'), formatCurrent(previous));
	else rmSync(path.join(dist, '.previous'), {force: true});
	switchSymlink(dist, 'ampify', to.ampify);
	switchSymlink(dist, 'instance', to.instance);
	writeAtomically(path.join(dist, '.current'), formatCurrent(to));
}
