import {existsSync} from 'node:fs';
import path from 'node:path';
import {startBridge, stopBridge} from './bridge-nginx.js';
import {distDirectory, safeName, type CurrentRecord} from './host-files.js';
import {ampzeroOf, instanceOf, runEnvironment, supervisorRunning, type InstanceOnHost} from './instance-on-host.js';
import {noSay, run, runForJson, type Say} from './run-program.js';

/** A daemon that keeps state, as the release about to run compares with what runs (see `ampzero remote daemons`). */
interface StatefulDaemon {
	name: string;
	label: string;
	check: 'adoptable' | 'changed' | 'not-running';
	pid?: number;
	fingerprinted: boolean;
}

/** What stop-old did with the daemons that keep state: kept running, or stopped to be started anew. */
export interface StopOldResult {
	stopped: boolean;
	bridge?: number;
	/** What became of each daemon that keeps state: kept running for the new supervisor to adopt, stopped to start anew, or kept to be restarted later. */
	daemons?: Array<{name: string; label: string; fate: 'kept' | 'restarted' | 'restart-later'; pid?: number}>;
	/** This host's keyspace member changed: it keeps running now, and the deploy restarts it later, one host at a time. */
	rollKeyspace?: boolean;
}

/**
 * Which daemons that keep state go on running across the switch to `to`: those the release runs
 * exactly as they run now (the release's own ampzero compares their fingerprints). A keyspace member
 * of a three-member cluster whose config changed keeps running too: the deploy restarts it later, one
 * host at a time, so that the cluster keeps its quorum.
 */
async function plannedKeep(target: InstanceOnHost, to: CurrentRecord, say: Say): Promise<{keep: StatefulDaemon[]; restart: StatefulDaemon[]; rollKeyspace: boolean}> {
	const dist = distDirectory(target.root);
	const ampify = path.join(dist, safeName(to.ampify), 'bin', 'ampzero');
	const args = [ampify, 'remote', 'daemons', path.join(dist, safeName(to.instance)), '--lives-at', instanceOf(target), ...(target.setup === 'server' ? ['--server'] : [])];
	let daemons: StatefulDaemon[];
	try {
		({daemons} = await runForJson<{daemons: StatefulDaemon[]}>(process.execPath, args, {say, timeoutMs: target.timeoutMs, env: runEnvironment(target)}));
	} catch (error) {
		// A release from before fingerprints cannot say: everything stops and starts, as it did then.
		say(`cannot compare the daemons that keep state with ${to.ampify} (${error instanceof Error ? error.message : String(error)}): every daemon restarts`);
		return {keep: [], restart: [], rollKeyspace: false};
	}
	const keep: StatefulDaemon[] = [];
	const restart: StatefulDaemon[] = [];
	let rollKeyspace = false;
	for (const daemon of daemons) {
		if (daemon.check === 'adoptable') keep.push(daemon);
		else if (daemon.check === 'changed' && daemon.name === 'keyspace' && target.as && daemon.fingerprinted) {
			keep.push(daemon);
			rollKeyspace = true;
		} else if (daemon.check === 'changed') restart.push(daemon);
	}
	return {keep, restart, rollKeyspace};
}

/**
 * Stops the running release but keeps the frontend answering: a second nginx (the bridge, same
 * config, listening with reuseport beside the instance's own) takes over the placeholder page,
 * then `ampzero run … stop` of the current release stops every daemon, its nginx included, but
 * the daemons that keep state and that the release `to` runs unchanged: they go on serving, and
 * the new release's supervisor adopts them.
 */
export async function stopOld(target: InstanceOnHost, say: Say = noSay, to?: CurrentRecord): Promise<StopOldResult> {
	if (!existsSync(path.join(distDirectory(target.root), '.current'))) return {stopped: false};
	let bridge: number | undefined;
	if (supervisorRunning(target)) bridge = await startBridge(target, say);
	const plan = to ? await plannedKeep(target, to, say) : {keep: [], restart: [], rollKeyspace: false};
	const keep = plan.keep.map(daemon => daemon.name);
	await run(process.execPath, [ampzeroOf(target), 'run', instanceOf(target), 'stop', '--batch', ...(keep.length > 0 ? ['--keep', keep.join(',')] : [])], {say, timeoutMs: target.timeoutMs, env: runEnvironment(target)});
	return {
		stopped: true,
		...(bridge ? {bridge} : {}),
		daemons: [
			...plan.keep.map(daemon => ({name: daemon.name, label: daemon.label, fate: daemon.check === 'adoptable' ? ('kept' as const) : ('restart-later' as const), ...(daemon.pid === undefined ? {} : {pid: daemon.pid})})),
			...plan.restart.map(daemon => ({name: daemon.name, label: daemon.label, fate: 'restarted' as const})),
		],
		...(plan.rollKeyspace ? {rollKeyspace: true} : {}),
	};
}

/**
 * `ampzero run` of the (new) current release, which adopts the daemons stop-old kept running; once it
 * is up, the bridge nginx quits gracefully. `adoptChanged`: daemons it adopts although their config
 * changed (a keyspace member the deploy restarts afterwards, one host at a time).
 */
export async function startNew(target: InstanceOnHost, say: Say = noSay, adoptChanged: string[] = []): Promise<void> {
	if (supervisorRunning(target)) await run(process.execPath, [ampzeroOf(target), 'run', instanceOf(target), 'stop', '--batch'], {say, timeoutMs: target.timeoutMs, env: runEnvironment(target)});
	const args = [ampzeroOf(target), 'run', instanceOf(target), '--batch', '--no-nat-bypass'];
	if (target.embeddedHub) args.push('--no-hub');
	if (target.setup === 'server') args.push('--server');
	await run(process.execPath, args, {say, timeoutMs: target.timeoutMs, env: runEnvironment(target, {AMPZERO_FRONTEND_HANDOFF: '1', ...(adoptChanged.length > 0 ? {AMPZERO_ADOPT_CHANGED: adoptChanged.join(',')} : {})})});
	await stopBridge(target, say);
}

/** Restarts this host's keyspace member under the running supervisor and waits until the cluster has its quorum again. */
export async function restartKeyspace(target: InstanceOnHost, say: Say = noSay): Promise<{before?: number; after: number; ms: number}> {
	return runForJson(process.execPath, [ampzeroOf(target), 'remote', 'restart-keyspace', instanceOf(target), '--timeout-ms', String(Math.max(10_000, target.timeoutMs - 5000))], {say, timeoutMs: target.timeoutMs, env: runEnvironment(target)});
}
