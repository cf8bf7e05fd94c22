import {spawn} from 'node:child_process';
import {mkdirSync} from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {endLeftovers, runMarkerVariable} from '../../services/supervisor/pid-files.js';
import {groupMembers} from '../../services/supervisor/proc.js';
import {makeRunDirectory} from '../helpers/supervisor-specs.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
	for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

describe('what a killed supervisor left', () => {
	it('a daemon with no pid file (the supervisor died between spawning it and writing the file) is found by its marker and ended; another run is not touched', async () => {
		const run = makeRunDirectory();
		cleanups.push(run.cleanup);
		mkdirSync(run.pids, {recursive: true});
		const start = (pids: string): number => {
			const child = spawn('/bin/sh', ['-c', `sleep 60 & sleep 60; : ${run.root}`], {detached: true, stdio: 'ignore', env: {...process.env, [runMarkerVariable]: pids}});
			child.unref();
			return child.pid!;
		};
		const orphan = start(run.pids);
		const otherRun = start(path.join(run.root, 'other', 'pids'));
		await new Promise(resolve => setTimeout(resolve, 100));
		const ended = await endLeftovers(run.pids, 500);
		expect(ended.map(record => record.pid)).toEqual([orphan]);
		expect(groupMembers(orphan)).toEqual([]);
		expect(groupMembers(otherRun).length).toBeGreaterThan(0);
		process.kill(-otherRun, 'SIGKILL');
	});
});
