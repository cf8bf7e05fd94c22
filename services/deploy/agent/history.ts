import {appendFileSync, mkdirSync} from 'node:fs';
import path from 'node:path';
import {distDirectory, readCurrent, type CurrentRecord} from './host-files.js';

/** `<root>/dist/history.jsonl`: one record per deploy or rollback that reached this host, oldest first. */
function historyFile(root: string): string {
	return path.join(distDirectory(root), 'history.jsonl');
}

/** Appends a deploy's record, with the releases the host runs now as `after`. */
export function appendHistory(root: string, record: Record<string, unknown>): {after: CurrentRecord | null} {
	const after = readCurrent(path.join(distDirectory(root), '.current')) ?? null;
	mkdirSync(distDirectory(root), {recursive: true, mode: 0o755});
	appendFileSync(historyFile(root), `${JSON.stringify({...record, after})}\n`, {mode: 0o600});
	return {after};
}
