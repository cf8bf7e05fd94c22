import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runPaths} from '../../services/config/paths.js';
import {keyFileName} from '../../services/keys/identity.js';
import {readPrivateKeyFile} from '../../services/keys/store.js';
import {LogstoreClient} from '../../services/logstore/client.js';
import {connectSupervisor} from '../../services/supervisor/client.js';
import type {DaemonStatus} from '../../services/supervisor/events.js';
import {findSupervisor} from '../../services/supervisor/lock.js';
import {ZerodataClient} from '../../services/zerodata/client.js';
import {getUrl} from '../helpers/https-request.js';
import {makeTestInstance, runAmpzero, type TestInstance} from '../helpers/instance.js';
import {endInstance, processesInGroups, processesMentioning} from '../helpers/run-processes.js';

/*
 * The fault suite: while a load writes to zerodata and logstore (recording what was acknowledged)
 * and sends requests through nginx, SIGKILL random daemons and the supervisor itself at random
 * moments. Afterwards every daemon must be ready again, no process orphaned, and nothing that was
 * acknowledged lost. The short form (100 kills) runs with every test; FAULTS_KILLS=1000 runs longer.
 */
const kills = Number(process.env['FAULTS_KILLS'] ?? 100);
/** One kill in this many is of the supervisor (the next `run` ends what it left and starts everything again). */
const supervisorEvery = 20;
/** The crash budget (crash-policy.ts: more than 5 crashes a minute marks a daemon failed) is a policy, not a fault: keep under it. */
const killsPerDaemonPerMinute = 4;

let instance: TestInstance;
const seenGroups = new Set<number>();
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

function ampzero(...args: string[]): ReturnType<typeof runAmpzero> {
	return runAmpzero(args, {home: instance.home, env: {CI: '1'}, timeoutMs: 90_000});
}

async function statuses(): Promise<DaemonStatus[] | undefined> {
	try {
		const connection = await connectSupervisor(runPaths(instance.config).supervisorSocket, 2000);
		try {
			const {value} = await connection.events()[Symbol.asyncIterator]().next();
			if (value?.type !== 'snapshot') return undefined;
			for (const daemon of value.daemons) if (daemon.pid) seenGroups.add(daemon.pid);
			return value.daemons;
		} finally {
			connection.close();
		}
	} catch {
		return undefined;
	}
}

async function startRun(): Promise<void> {
	const result = await ampzero('run', instance.directory, '--batch', '--no-nat-bypass', '--no-hub');
	if (result.code !== 0) throw new Error(`run --batch exited ${result.code}:\n${result.stderr}${result.stdout}`);
}

beforeAll(async () => {
	instance = await makeTestInstance({name: 'faults'});
	await startRun();
}, 120_000);

afterAll(() => endInstance(instance, seenGroups), 60_000);

describe(`faults: ${kills} SIGKILLs of random daemons and the supervisor under load`, () => {
	it('afterwards every daemon is ready, no process is orphaned, no acknowledged write is lost', async () => {
		const {config} = instance;
		const hostKey = await readPrivateKeyFile(path.join(instance.directory, 'ampnode', keyFileName('host', config.hostId, 'private')));
		const signer = {hostId: config.hostId, secretKey: hostKey.secretKey, instance: config.name};
		const zerodata = new ZerodataClient({url: config.zerodataUrl, ...signer});
		const logstore = new LogstoreClient({url: config.logstoreUrl, ...signer});
		const frontend = `https://127.0.0.1:${config.ports.frontend}`;
		let loading = true;
		const acknowledgedPuts: number[] = [];
		const acknowledgedRecords: number[] = [];
		let failedPuts = 0;
		let failedAppends = 0;
		const requests = {sent: 0, failed: 0, why: {} as Record<string, number>};

		const putLoad = (async () => {
			for (let n = 1; loading; n++) {
				try {
					await zerodata.put('fault', n, {n});
					acknowledgedPuts.push(n);
				} catch {
					failedPuts += 1;
					await sleep(20);
				}
				await sleep(2);
			}
		})();
		const logLoad = (async () => {
			for (let n = 1; loading; n++) {
				try {
					await logstore.append([{time: Date.now(), kind: 'usage', host: 'faults', data: {n}}]);
					acknowledgedRecords.push(n);
				} catch {
					failedAppends += 1;
					await sleep(20);
				}
				await sleep(5);
			}
		})();
		const requestLoad = (async () => {
			while (loading) {
				requests.sent += 1;
				try {
					const response = await getUrl(`${frontend}/health`);
					if (response.status !== 200) {
						requests.failed += 1;
						requests.why[response.status] = (requests.why[response.status] ?? 0) + 1;
					}
				} catch (error) {
					requests.failed += 1;
					const code = (error as NodeJS.ErrnoException).code ?? 'error';
					requests.why[code] = (requests.why[code] ?? 0) + 1;
				}
				await sleep(10);
			}
		})();

		const began = Date.now();
		const recentKills = new Map<string, number[]>();
		const killed: Record<string, number> = {};
		let supervisorKills = 0;
		let waitedForCandidates = 0;
		for (let round = 1; round <= kills; round++) {
			await sleep(30 + Math.random() * 150);
			const daemons = await statuses();
			const now = Date.now();
			const candidates = (daemons ?? []).filter(
				daemon => daemon.state === 'ready' && daemon.pid !== undefined && (recentKills.get(daemon.name) ?? []).filter(time => now - time < 60_000).length < killsPerDaemonPerMinute,
			);
			if (daemons !== undefined && candidates.length === 0 && round % supervisorEvery !== 0 && waitedForCandidates < 10) {
				// Every daemon is restarting or has had its share of kills: wait for one rather than kill the supervisor again.
				waitedForCandidates += 1;
				round -= 1;
				await sleep(200);
				continue;
			}
			waitedForCandidates = 0;
			if (daemons === undefined || candidates.length === 0 || round % supervisorEvery === 0) {
				const supervisor = findSupervisor(runPaths(config));
				if (supervisor) process.kill(supervisor.pid, 'SIGKILL');
				supervisorKills += 1;
				recentKills.clear();
				await sleep(Math.random() * 300);
				await startRun();
				continue;
			}
			const victim = candidates[Math.floor(Math.random() * candidates.length)]!;
			try {
				process.kill(victim.pid!, 'SIGKILL');
			} catch {
				// Gone between the snapshot and the kill: it still counts as a moment of chaos.
			}
			recentKills.set(victim.name, [...(recentKills.get(victim.name) ?? []), now]);
			killed[victim.name] = (killed[victim.name] ?? 0) + 1;
		}
		const chaosMs = Date.now() - began;

		// Every daemon ready again.
		const deadline = Date.now() + 60_000;
		let final = await statuses();
		while (!final?.every(daemon => daemon.state === 'ready') && Date.now() < deadline) {
			await sleep(200);
			final = await statuses();
		}
		loading = false;
		await Promise.all([putLoad, logLoad, requestLoad]);
		expect(final?.map(daemon => [daemon.name, daemon.state])).toEqual(final?.map(daemon => [daemon.name, 'ready']));

		// Orphans: every process of the instance is the supervisor or in a group of a daemon it runs now.
		const supervisor = findSupervisor(runPaths(config))!;
		const live = new Set([supervisor.pid, ...processesInGroups(final!.map(daemon => daemon.pid!))]);
		const orphans = [...new Set([...processesMentioning(instance.root), ...processesInGroups([...seenGroups])])].filter(pid => !live.has(pid));

		// Acknowledged zerodata writes.
		let missingPuts = 0;
		for (let start = 0; start < acknowledgedPuts.length; start += 500) {
			const batch = acknowledgedPuts.slice(start, start + 500);
			const entities = await zerodata.getMany(batch.map(n => ({kind: 'fault', id: n})));
			entities.forEach((entity, index) => {
				if (entity?.properties['n'] !== batch[index]) missingPuts += 1;
			});
		}
		// Acknowledged logstore records.
		const stored = new Set<number>();
		for await (const record of logstore.queryAll({kind: 'usage', host: 'faults'})) stored.add(record.data['n'] as number);
		const missingRecords = acknowledgedRecords.filter(n => !stored.has(n)).length;
		zerodata.close();
		logstore.close();

		const figures = [
			`faults: ${kills} SIGKILLs in ${(chaosMs / 1000).toFixed(1)} s (supervisor ${supervisorKills}, ${Object.entries(killed).map(([name, count]) => `${name} ${count}`).join(', ')})`,
			`  daemons ready afterwards: ${final!.filter(daemon => daemon.state === 'ready').length}/${final!.length}`,
			`  orphan processes: ${orphans.length}`,
			`  zerodata: ${acknowledgedPuts.length} puts acknowledged, ${missingPuts} missing (${failedPuts} refused while down)`,
			`  logstore: ${acknowledgedRecords.length} records acknowledged, ${missingRecords} missing (${failedAppends} refused while down)`,
			`  requests through nginx: ${requests.sent} sent, ${requests.failed} failed while a daemon was down (${Object.entries(requests.why).map(([why, count]) => `${why} ${count}`).join(', ')})`,
		];
		process.stdout.write(`${figures.join('\n')}\n`);
		expect(orphans).toEqual([]);
		expect(missingPuts).toBe(0);
		expect(missingRecords).toBe(0);
		expect(acknowledgedPuts.length).toBeGreaterThan(0);
		expect(acknowledgedRecords.length).toBeGreaterThan(0);

		// And a stop leaves nothing behind.
		const stop = await ampzero('run', instance.directory, 'stop');
		expect(stop.code, stop.stderr).toBe(0);
		expect(processesInGroups([...seenGroups, supervisor.pid])).toEqual([]);
		expect(processesMentioning(instance.root)).toEqual([]);
	}, Math.max(150_000, kills * 2_000));
});
