import {spawn} from 'node:child_process';
import {mkdirSync} from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {adoptableGroups, endLeftovers, readPidFiles, runMarkerVariable, writePidFile} from '../../services/supervisor/pid-files.js';
import {groupMembers} from '../../services/system/proc.js';
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

	it('what the next supervisor adopts is spared (its pid file kept); a recorded daemon it will not adopt is ended', async () => {
		const run = makeRunDirectory();
		cleanups.push(run.cleanup);
		mkdirSync(run.pids, {recursive: true});
		const argv = (name: string): string[] => ['/bin/sh', '-c', `sleep 60; : ${name} ${run.root}`];
		const start = (name: string): number => {
			const [command, ...args] = argv(name);
			const child = spawn(command!, args, {detached: true, stdio: 'ignore', env: {...process.env, [runMarkerVariable]: run.pids}});
			child.unref();
			writePidFile(run.pids, name, child.pid!, argv(name), {restarts: 2, startedAt: Date.now()});
			return child.pid!;
		};
		const kept = start('kept');
		const changed = start('changed');
		// The plan of the next run: `kept` is run the same way, `changed` with another command line.
		const specs = [
			{name: 'kept', command: '/bin/sh', args: argv('kept').slice(1)},
			{name: 'changed', command: '/bin/sh', args: [...argv('changed').slice(1), 'now']},
		];
		const spare = adoptableGroups(run.pids, specs);
		expect([...spare]).toEqual([kept]);
		const ended = await endLeftovers(run.pids, 500, spare);
		expect(ended.map(record => record.pid)).toEqual([changed]);
		expect(groupMembers(changed)).toEqual([]);
		expect(groupMembers(kept).length).toBeGreaterThan(0);
		expect(readPidFiles(run.pids).map(({daemon, pid, restarts}) => ({daemon, pid, restarts}))).toEqual([{daemon: 'kept', pid: kept, restarts: 2}]);
		process.kill(-kept, 'SIGKILL');
	});
});
