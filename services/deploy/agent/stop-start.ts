import {existsSync} from 'node:fs';
import path from 'node:path';
import {startBridge, stopBridge} from './bridge-nginx.js';
import {decisionFor, instanceNginxRunning, markOutgoingAmpnodes, outgoingAmpnodes, rememberDecision, returnOutgoing, runningAmpnodes} from './hand-over.js';
import {takeComparison} from './daemon-comparison.js';
import {placeholder} from './placeholder.js';
import {releaseSupervisor} from './release-supervisor.js';
import {distDirectory, readCurrent, safeName, type CurrentRecord} from './host-files.js';
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
interface KeepPlan {
	keep: StatefulDaemon[];
	restart: StatefulDaemon[];
	rollKeyspace: boolean;
	/** The release can take over the frontend without the placeholder (hand-over.ts). */
	handOver: boolean;
}

async function plannedKeep(target: InstanceOnHost, to: CurrentRecord, say: Say): Promise<KeepPlan> {
	const dist = distDirectory(target.root);
	const ampify = path.join(dist, safeName(to.ampify), 'bin', 'ampzero');
	const args = [ampify, 'remote', 'daemons', path.join(dist, safeName(to.instance)), '--lives-at', instanceOf(target), ...(target.setup === 'server' ? ['--server'] : [])];
	let daemons: StatefulDaemon[];
	let handOver: boolean;
	try {
		type Answer = {daemons: StatefulDaemon[]; handOver?: boolean};
		const answer = takeComparison<Answer>(target, to) ?? (await runForJson<Answer>(process.execPath, args, {say, timeoutMs: target.timeoutMs, env: runEnvironment(target)}));
		daemons = answer.daemons;
		handOver = answer.handOver === true;
	} catch (error) {
		// A release from before fingerprints cannot say: everything stops and starts, as it did then.
		say(`cannot compare the daemons that keep state with ${to.ampify} (${error instanceof Error ? error.message : String(error)}): every daemon restarts`);
		return {keep: [], restart: [], rollKeyspace: false, handOver: false};
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
	return {keep, restart, rollKeyspace, handOver};
}

/**
 * The placeholder step: shows the "being upgraded" page unless the release `to` can take over the
 * frontend with none (hand-over.ts): nginx runs as that release runs it, and no daemon that keeps state
 * must restart. A placeholder asked for without a release (a rollback after a failure) always shows.
 */
export async function placeholderBefore(target: InstanceOnHost, to: CurrentRecord | undefined, say: Say = noSay): Promise<{shown: boolean}> {
	let handOver = false;
	if (to && supervisorRunning(target) && existsSync(path.join(distDirectory(target.root), '.current'))) {
		const plan = await plannedKeep(target, to, say);
		// Old ampnodes still outgoing (a hand-over that never finished) are ended by the plain path's stop.
		handOver = plan.handOver && plan.restart.length === 0 && outgoingAmpnodes(target) === 0;
		if (handOver) say('no placeholder: the new ampnodes start beside the old ones and nginx reloads onto them');
		else say(`placeholder shown: ${plan.restart.length > 0 ? `${plan.restart.map(daemon => daemon.label).join(', ')} must restart` : 'nginx cannot be handed over as it runs'}`);
		rememberDecision(target, {to, handOver, plan});
	} else rememberDecision(target, undefined);
	if (!handOver) placeholder(target, true);
	return {shown: !handOver};
}

/**
 * Stops the running release but keeps the frontend answering: a second nginx (the bridge, same
 * config, listening with reuseport beside the instance's own) takes over the placeholder page,
 * then `ampzero run … stop` of the current release stops every daemon, its nginx included, but
 * the daemons that keep state and that the release `to` runs unchanged: they go on serving, and
 * the new release's supervisor adopts them. In a hand-over (the placeholder step decided one for `to`)
 * there is no bridge: nginx and the ampnodes are kept too, and the ampnodes become the outgoing ones.
 */
export async function stopOld(target: InstanceOnHost, say: Say = noSay, to?: CurrentRecord): Promise<StopOldResult> {
	if (!existsSync(path.join(distDirectory(target.root), '.current'))) return {stopped: false};
	const decided = decisionFor<KeepPlan>(target, to);
	const handOver = decided?.handOver === true && supervisorRunning(target);
	let bridge: number | undefined;
	// The bridge holds the frontend while the instance's nginx is down: also when a hand-over left that nginx without a supervisor.
	if (!handOver && (supervisorRunning(target) || instanceNginxRunning(target))) bridge = await startBridge(target, say);
	const plan = decided?.plan ?? (to ? await plannedKeep(target, to, say) : {keep: [], restart: [], rollKeyspace: false, handOver: false});
	// In a hand-over nginx and the ampnodes go on serving: nginx for the new supervisor to adopt, the ampnodes until nginx reloads.
	const ampnodes = handOver ? runningAmpnodes(target) : [];
	const keep = [...plan.keep.map(daemon => daemon.name), ...(handOver ? ['nginx', ...ampnodes] : [])];
	if (handOver && (await releaseSupervisor(target, keep, Math.min(target.timeoutMs, 15_000)))) say('the supervisor stopped; every daemon goes on running');
	else await run(process.execPath, [ampzeroOf(target), 'run', instanceOf(target), 'stop', '--batch', ...(keep.length > 0 ? ['--keep', keep.join(',')] : [])], {say, timeoutMs: target.timeoutMs, env: runEnvironment(target)});
	if (handOver) say(`nginx and ${markOutgoingAmpnodes(target, ampnodes)} ampnode(s) go on serving until the new ampnodes take over`);
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
	// Starting the release that ran before (a rollback before the switch): it adopts its own ampnodes again.
	if (decisionFor(target, readCurrent(path.join(distDirectory(target.root), '.current')))?.handOver !== true) {
		returnOutgoing(target);
		rememberDecision(target, undefined);
	}
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
