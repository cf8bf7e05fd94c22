import {readFileSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import type {CurrentRecord} from './host-files.js';
import {runDirectory, type InstanceOnHost} from './instance-on-host.js';

/*
 * How the daemons that keep state in a release compare with those running (`ampzero remote daemons`):
 * set-up learns it with the instance's preparation, from the same process, and the placeholder step
 * takes it from here once, for the same releases; anything else asks the release again.
 */

function comparisonFile(target: InstanceOnHost): string {
	return path.join(runDirectory(target), 'daemon-comparison.json');
}

export function rememberComparison(target: InstanceOnHost, releases: CurrentRecord, answer: Record<string, unknown>): void {
	if (!Array.isArray(answer['daemons'])) return;
	try {
		writeFileSync(comparisonFile(target), `${JSON.stringify({releases, answer})}\n`, {mode: 0o600});
	} catch {
		// No run directory yet (the instance never ran here): the placeholder step asks the release itself.
	}
}

/** The comparison set-up made for exactly these releases, taken (it serves once). */
export function takeComparison<T>(target: InstanceOnHost, releases: CurrentRecord): T | undefined {
	let saved: {releases: CurrentRecord; answer: T};
	try {
		saved = JSON.parse(readFileSync(comparisonFile(target), 'utf8')) as {releases: CurrentRecord; answer: T};
	} catch {
		return undefined;
	}
	rmSync(comparisonFile(target), {force: true});
	return saved.releases.ampify === releases.ampify && saved.releases.instance === releases.instance ? saved.answer : undefined;
}
