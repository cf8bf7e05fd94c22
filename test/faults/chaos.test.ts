import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runPaths} from '../../services/config/paths.js';
import {keyFileName} from '../../services/keys/identity.js';
import {readPrivateKeyFile} from '../../services/keys/store.js';
import {LogstoreClient} from '../../services/logstore/client.js';
import {connectSupervisor} from '../../services/supervisor/client.js';
import type {DaemonStatus} from '../../services/supervisor/events.js';
import {findSupervisor} from '../../services/supervisor/lock.js';
import {supervisorLogFile} from '../../services/supervisor/plan-file.js';
import {ZerodataClient} from '../../services/zerodata/client.js';
import {getUrl} from '../helpers/https-request.js';
import {makeTestInstance, runAmpzero, type TestInstance} from '../helpers/instance.js';
import {endInstance, processesInGroups, processesMentioning} from '../helpers/run-processes.js';

/*
 * The fault suite: while a load writes to zerodata and logstore (recording what was acknowledged)
 * and sends requests through nginx to two ampnodes (half of them a service that writes to zerodata),
 * SIGKILL daemons and the supervisor itself, in four phases: one ampnode at a time; the supervisor
 * (the next `run` adopts what it left); zerodata or logstore; then any daemon at random moments.
 * It prints each phase's client error ratio. Afterwards every daemon must be ready again, no process
 * orphaned, and nothing that was acknowledged lost. The short form (100 kills) runs with every test;
 * FAULTS_KILLS=1000 runs longer.
 */
const kills = Number(process.env['FAULTS_KILLS'] ?? 100);
const ampnodeKills = Math.max(2, Math.round(kills * 0.08));
const supervisorPhaseKills = Math.max(1, Math.round(kills * 0.05));
const storageKills = Math.max(2, Math.round(kills * 0.08));
const randomKills = Math.max(0, kills - ampnodeKills - supervisorPhaseKills - storageKills);
/** In the random phase one kill in this many is of the supervisor. */
const supervisorEvery = 20;
/** nginx sets a failed ampnode aside for 1 s (fail_timeout): one at a time means the last one is back in its eyes. */
const ampnodeSetAsideMs = 1000;
/** The crash budget (crash-policy.ts: more than 5 crashes a minute marks a daemon failed) is a policy, not a fault: keep under it. */
const killsPerDaemonPerMinute = 4;

let instance: TestInstance;
const seenGroups = new Set<number>();
/** What each `run --batch` of the test printed (a leftover process is looked up in them). */
const runOutputs: string[] = [];
/** What the supervisors said of stray copies of daemons they ended (not an error: printed, to learn how often). */
const strayNotices = new Set<string>();
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
			for (const notice of value.info.notices ?? []) if (notice.startsWith('ended a stray')) strayNotices.add(notice);
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
	runOutputs.push(`${new Date().toISOString()} run --batch:\n${result.stdout}${result.stderr}`);
}

/** A service that writes what it is asked to zerodata (GET, so safe to send to another ampnode again). */
const visitService = `export default function register(app) {
	app.get('/visit', async (request, context) => {
		const n = Number(request.query.n);
		await context.data.put('visit', n, {n});
		return {status: 200, headers: {'content-type': 'application/json'}, body: JSON.stringify({n})};
	});
}
`;

beforeAll(async () => {
	instance = await makeTestInstance({name: 'faults', ampnodes: 2});
	// As the instance README says: a module in ampnode/services/, listed in ampnode.yaml.
	writeFileSync(path.join(instance.directory, 'ampnode', 'services', 'visit.js'), visitService);
	const yaml = path.join(instance.directory, 'ampnode', 'ampnode.yaml');
	writeFileSync(yaml, readFileSync(yaml, 'utf8').replace(/^services:\n/m, 'services:\n  - services/visit.js\n'));
	await startRun();
}, 120_000);

afterAll(() => endInstance(instance, seenGroups), 60_000);

type Phase = 'ampnode' | 'supervisor' | 'storage' | 'random';
interface Tally {
	sent: number;
	failed: number;
}
interface PhaseFigures {
	kills: number;
	ms: number;
	requests: Tally;
	puts: Tally;
	appends: Tally;
	why: Record<string, number>;
}

describe(`faults: ${kills} SIGKILLs of ampnodes, the supervisor, zerodata and logstore, then of random daemons, under load`, () => {
	it('clients see no error while one ampnode at a time or the supervisor is killed, at most 1 % while zerodata or logstore is; afterwards every daemon is ready, no process is orphaned, no acknowledged write is lost', async () => {
		const {config} = instance;
		const hostKey = await readPrivateKeyFile(path.join(instance.directory, 'ampnode', keyFileName('host', config.hostId, 'private')));
		const signer = {hostId: config.hostId, secretKey: hostKey.secretKey, instance: config.name};
		// The same clients ampnode uses, with their retries while a daemon restarts.
		const zerodata = new ZerodataClient({url: config.zerodataUrl, ...signer});
		const logstore = new LogstoreClient({url: config.logstoreUrl, ...signer});
		const frontend = `https://127.0.0.1:${config.ports.frontend}`;
		let loading = true;
		const acknowledgedPuts: number[] = [];
		const acknowledgedRecords: number[] = [];
		const acknowledgedVisits: number[] = [];
		const phases = new Map<Phase, PhaseFigures>();
		let phase: Phase = 'ampnode';
		const figuresOf = (name: Phase): PhaseFigures => {
			if (!phases.has(name)) phases.set(name, {kills: 0, ms: 0, requests: {sent: 0, failed: 0}, puts: {sent: 0, failed: 0}, appends: {sent: 0, failed: 0}, why: {}});
			return phases.get(name)!;
		};
		for (const name of ['ampnode', 'supervisor', 'storage', 'random'] as const) figuresOf(name);
		const failure = (figures: PhaseFigures, why: string): void => {
			figures.why[why] = (figures.why[why] ?? 0) + 1;
		};

		const putLoad = (async () => {
			for (let n = 1; loading; n++) {
				const figures = figuresOf(phase);
				figures.puts.sent += 1;
				try {
					await zerodata.put('fault', n, {n});
					acknowledgedPuts.push(n);
				} catch {
					figures.puts.failed += 1;
					failure(figures, 'zerodata put');
					await sleep(20);
				}
				await sleep(5);
			}
		})();
		const logLoad = (async () => {
			for (let n = 1; loading; n++) {
				const figures = figuresOf(phase);
				figures.appends.sent += 1;
				try {
					await logstore.append([{time: Date.now(), kind: 'usage', host: 'faults', data: {n}}]);
					acknowledgedRecords.push(n);
				} catch {
					figures.appends.failed += 1;
					failure(figures, 'logstore append');
					await sleep(20);
				}
				await sleep(5);
			}
		})();
		const requestLoad = (async () => {
			for (let n = 1; loading; n++) {
				const figures = figuresOf(phase);
				figures.requests.sent += 1;
				// Every other request writes to zerodata through an ampnode.
				const visit = n % 2 === 0;
				try {
					const response = await getUrl(visit ? `${frontend}/visit?n=${n}` : `${frontend}/health`);
					if (response.status !== 200) {
						figures.requests.failed += 1;
						failure(figures, `${visit ? '/visit' : '/health'} ${response.status}`);
					} else if (visit) {
						acknowledgedVisits.push(n);
					}
				} catch (error) {
					figures.requests.failed += 1;
					failure(figures, `${visit ? '/visit' : '/health'} ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
				}
				await sleep(10);
			}
		})();

		const recentKills = new Map<string, number[]>();
		const killed: Record<string, number> = {};
		let supervisorKills = 0;
		const killsIn = (name: string, now: number): number => (recentKills.get(name) ?? []).filter(time => now - time < 60_000).length;
		const kill = (victim: DaemonStatus): void => {
			try {
				process.kill(victim.pid!, 'SIGKILL');
			} catch {
				// Gone between the snapshot and the kill: it still counts as a moment of chaos.
			}
			const now = Date.now();
			recentKills.set(victim.name, [...(recentKills.get(victim.name) ?? []), now]);
			killed[victim.name] = (killed[victim.name] ?? 0) + 1;
			figuresOf(phase).kills += 1;
		};
		const allReady = async (timeoutMs = 60_000): Promise<DaemonStatus[]> => {
			const deadline = Date.now() + timeoutMs;
			for (;;) {
				const daemons = await statuses();
				if (daemons?.every(daemon => daemon.state === 'ready')) return daemons;
				if (Date.now() > deadline) throw new Error(`not every daemon ready: ${JSON.stringify(daemons)}`);
				await sleep(50);
			}
		};
		/** When each process (name and pid) was first seen ready: one that crashed again after its restart is a new one. */
		const readySince = new Map<string, number>();
		/**
		 * Kills one of `names` (within the crash budget), waits until it is back. Only one at a time: every
		 * other daemon of `names` must have run as the same process, ready, for `settledMs` (for ampnodes:
		 * longer than nginx sets a failed one aside).
		 */
		const killOneOf = async (names: string[], settledMs = 0): Promise<void> => {
			for (;;) {
				const daemons = await allReady();
				const now = Date.now();
				for (const daemon of daemons) if (!readySince.has(`${daemon.name}:${daemon.pid}`)) readySince.set(`${daemon.name}:${daemon.pid}`, now);
				const settled = (daemon: DaemonStatus): boolean => now - readySince.get(`${daemon.name}:${daemon.pid}`)! >= settledMs;
				const candidates = daemons.filter(
					daemon =>
						names.includes(daemon.name) &&
						killsIn(daemon.name, now) < killsPerDaemonPerMinute &&
						daemons.every(other => other === daemon || !names.includes(other.name) || settled(other)),
				);
				if (candidates.length > 0) {
					const victim = candidates[Math.floor(Math.random() * candidates.length)]!;
					kill(victim);
					await sleep(100);
					await allReady();
					return;
				}
				await sleep(200);
			}
		};
		const timed = async (name: Phase, run: () => Promise<void>): Promise<void> => {
			phase = name;
			const began = Date.now();
			await run();
			figuresOf(name).ms = Date.now() - began;
		};

		// 1. One ampnode at a time: nginx sends what meets the dead one to the other.
		await timed('ampnode', async () => {
			for (let round = 1; round <= ampnodeKills; round++) {
				await killOneOf(['ampnode', 'ampnode-2'], ampnodeSetAsideMs + 500);
				await sleep(Math.random() * 500);
			}
		});

		// 2. The supervisor: its daemons serve on, and the next run adopts them (same pids, no restart).
		let restartedBySupervisorKills = 0;
		await timed('supervisor', async () => {
			for (let round = 1; round <= supervisorPhaseKills; round++) {
				const before = await allReady();
				const supervisor = findSupervisor(runPaths(config));
				if (supervisor) process.kill(supervisor.pid, 'SIGKILL');
				supervisorKills += 1;
				figuresOf('supervisor').kills += 1;
				await sleep(Math.random() * 300);
				await startRun();
				const after = await allReady();
				const identity = (list: DaemonStatus[]): string[] => list.map(daemon => `${daemon.name} ${daemon.pid} ${daemon.restarts}`);
				restartedBySupervisorKills += identity(after).filter(line => !identity(before).includes(line)).length;
				await sleep(200 + Math.random() * 500);
			}
		});

		// 3. zerodata or logstore: their clients (ampnode's, and this load's) wait for the restart.
		await timed('storage', async () => {
			for (let round = 1; round <= storageKills; round++) {
				await killOneOf(['zerodata', 'logstore']);
				await sleep(300 + Math.random() * 700);
			}
		});

		// 4. Any daemon, and now and then the supervisor, at random moments.
		let waitedForCandidates = 0;
		await timed('random', async () => {
			for (let round = 1; round <= randomKills; round++) {
				await sleep(30 + Math.random() * 150);
				const daemons = await statuses();
				const now = Date.now();
				const candidates = (daemons ?? []).filter(daemon => daemon.state === 'ready' && daemon.pid !== undefined && killsIn(daemon.name, now) < killsPerDaemonPerMinute);
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
					figuresOf('random').kills += 1;
					await sleep(Math.random() * 300);
					await startRun();
					continue;
				}
				kill(candidates[Math.floor(Math.random() * candidates.length)]!);
			}
		});
		const chaosMs = [...phases.values()].reduce((sum, figures) => sum + figures.ms, 0);

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
		// A process outside the live daemons' groups is an orphan when it stays: one still exiting on its own (a
		// killed daemon's last child, a status command of the load) is looked at again after two seconds.
		const candidates = [...new Set([...processesMentioning(instance.root), ...processesInGroups([...seenGroups])])].filter(pid => !live.has(pid));
		if (candidates.length > 0) await new Promise(resolve => setTimeout(resolve, 2000));
		const orphans = candidates.filter(pid => existsSync(`/proc/${pid}`) && !live.has(pid));
		await statuses(); // the supervisor's newest notices (a stray it ended meanwhile)
		const orphanLines = orphans.flatMap(pid => orphanReport(pid, supervisorLogFile(runPaths(config))));

		// Acknowledged zerodata writes: this load's puts and the visits ampnode stored.
		const missingOf = async (kind: string, acknowledged: number[]): Promise<number> => {
			let missing = 0;
			for (let start = 0; start < acknowledged.length; start += 500) {
				const batch = acknowledged.slice(start, start + 500);
				const entities = await zerodata.getMany(batch.map(n => ({kind, id: n})));
				entities.forEach((entity, index) => {
					if (entity?.properties['n'] !== batch[index]) missing += 1;
				});
			}
			return missing;
		};
		const missingPuts = await missingOf('fault', acknowledgedPuts);
		const missingVisits = await missingOf('visit', acknowledgedVisits);
		// Acknowledged logstore records.
		const stored = new Set<number>();
		// logstore files a record under the host whose key signed it; the load's own name for itself is kept as its source.
		for await (const record of logstore.queryAll({kind: 'usage', host: `host-${config.hostId}`})) if (record.source === 'faults') stored.add(record.data['n'] as number);
		const missingRecords = acknowledgedRecords.filter(n => !stored.has(n)).length;
		zerodata.close();
		logstore.close();

		const ratio = (figures: PhaseFigures): {sent: number; failed: number} => {
			const sent = figures.requests.sent + figures.puts.sent + figures.appends.sent;
			const failed = figures.requests.failed + figures.puts.failed + figures.appends.failed;
			return {sent, failed};
		};
		const percent = (failed: number, sent: number): string => `${sent === 0 ? '0.00' : ((100 * failed) / sent).toFixed(2)} %`;
		const phaseLine = (name: Phase, title: string): string => {
			const figures = figuresOf(name);
			const {sent, failed} = ratio(figures);
			const why = Object.entries(figures.why).map(([reason, count]) => `${reason} ${count}`).join(', ');
			return [
				`  ${title}: ${figures.kills} kills in ${(figures.ms / 1000).toFixed(1)} s; client error ratio ${failed}/${sent} = ${percent(failed, sent)}`,
				`    requests through nginx ${figures.requests.failed}/${figures.requests.sent}, zerodata puts ${figures.puts.failed}/${figures.puts.sent}, logstore appends ${figures.appends.failed}/${figures.appends.sent}${why ? ` (${why})` : ''}`,
			].join('\n');
		};
		const figures = [
			`faults: ${kills} SIGKILLs in ${(chaosMs / 1000).toFixed(1)} s (supervisor ${supervisorKills}, ${Object.entries(killed).map(([name, count]) => `${name} ${count}`).join(', ')})`,
			phaseLine('ampnode', 'one ampnode at a time (of two)'),
			phaseLine('supervisor', 'the supervisor'),
			`    daemons restarted by the supervisor kills: ${restartedBySupervisorKills}`,
			phaseLine('storage', 'zerodata or logstore'),
			phaseLine('random', 'random daemons and the supervisor'),
			`  daemons ready afterwards: ${final!.filter(daemon => daemon.state === 'ready').length}/${final!.length}`,
			`  stray daemon copies the supervisor ended: ${strayNotices.size}`,
			...[...strayNotices].map(notice => `    ${notice}`),
			`  orphan processes: ${orphans.length}`,
			...orphanLines,
			`  zerodata: ${acknowledgedPuts.length} puts and ${acknowledgedVisits.length} visits acknowledged, ${missingPuts + missingVisits} missing`,
			`  logstore: ${acknowledgedRecords.length} records acknowledged, ${missingRecords} missing`,
		];
		process.stdout.write(`${figures.join('\n')}\n`);
		expect(orphans).toEqual([]);
		expect(missingPuts).toBe(0);
		expect(missingVisits).toBe(0);
		expect(missingRecords).toBe(0);
		expect(acknowledgedPuts.length).toBeGreaterThan(0);
		expect(acknowledgedRecords.length).toBeGreaterThan(0);
		expect(acknowledgedVisits.length).toBeGreaterThan(0);
		// The targets: nobody notices an ampnode or the supervisor killed; at most 1 % notice zerodata or logstore.
		expect(ratio(figuresOf('ampnode')).failed).toBe(0);
		expect(ratio(figuresOf('supervisor')).failed).toBe(0);
		expect(restartedBySupervisorKills).toBe(0);
		const storage = ratio(figuresOf('storage'));
		expect(storage.failed).toBeLessThanOrEqual(storage.sent * 0.01);

		// And a stop leaves nothing behind.
		const stop = await ampzero('run', instance.directory, 'stop');
		expect(stop.code, stop.stderr).toBe(0);
		expect(processesInGroups([...seenGroups, supervisor.pid])).toEqual([]);
		expect(processesMentioning(instance.root)).toEqual([]);
	}, Math.max(420_000, kills * 4_000));
});

/** What the report says of a process left over: its command, its group and parent, whether a supervisor ever listed it, and the supervisor log's lines that name it. */
function orphanReport(pid: number, logFile: string): string[] {
	try {
		const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		const marked = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').some(entry => entry.startsWith('AMPZERO_RUN_PIDS='));
		let logLines: string[] = [];
		try {
			logLines = readFileSync(logFile, 'utf8').split('\n').filter(line => line.includes(`${pid}`)).slice(-6);
		} catch {
			logLines = ['(no supervisor log)'];
		}
		const runLines = runOutputs.flatMap(output => output.split('\n').filter(line => line.includes(`${pid}`) || line.includes('adopted') || line.includes('ended')));
		return [
			...runLines.slice(-8).map(line => `      run: ${line}`),
			`    ${pid}: ${command}`,
			`      state ${fields[0]}, parent ${fields[1]}, group ${fields[2]}, ${seenGroups.has(Number(fields[2])) ? 'a group a supervisor listed' : 'a group no supervisor listed'}, run marker ${marked ? 'set' : 'absent'}`,
			...logLines.map(line => `      log: ${line}`),
		];
	} catch {
		return [`    ${pid}: gone`];
	}
}
