import {readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {endOutgoing, markOutgoing, outgoingDirectory, outgoingRecords} from '../../supervisor/outgoing-daemons.js';
import {pidFile} from '../../supervisor/pid-files.js';
import {childrenOf, isRunning} from '../../system/proc.js';
import type {CurrentRecord} from './host-files.js';
import {readPid, runDirectory, waitFor, type InstanceOnHost} from './instance-on-host.js';
import {run, type Say} from './run-program.js';

/*
 * The hand-over: a deploy that needs no daemon restarted but ampzero's own stateless ones leaves the
 * running nginx and ampnodes serving while the old supervisor stops (stop-old), starts the new
 * release's ampnodes beside them on ports of their own under the new supervisor, which adopts nginx
 * (start-new), then reloads nginx onto them on every host at once and ends the old ampnodes once
 * they have answered what they had in flight (nginx-upgrade). No client sees the placeholder.
 *
 * The placeholder step decides, for the release it is told the deploy goes to, and leaves the
 * decision in `<run>/hand-over` for stop-old: a placeholder asked for without a release (a rollback
 * after a failure) clears it, and every later step takes the plain path.
 */

function decisionFile(target: InstanceOnHost): string {
	return path.join(runDirectory(target), 'hand-over');
}

/** What the placeholder step decided for the release `to`: a hand-over or not, and the plan of the daemons that keep state (stop-old's too). */
export interface HandOverDecision<Plan> {
	to: CurrentRecord;
	handOver: boolean;
	plan: Plan;
}

export function rememberDecision<Plan>(target: InstanceOnHost, decision: HandOverDecision<Plan> | undefined): void {
	if (decision) writeFileSync(decisionFile(target), `${JSON.stringify(decision)}\n`);
	else rmSync(decisionFile(target), {force: true});
}

/** The decision made for `to`, if the placeholder step made one for that very release. */
export function decisionFor<Plan>(target: InstanceOnHost, to: CurrentRecord | undefined): HandOverDecision<Plan> | undefined {
	if (!to) return undefined;
	try {
		const decided = JSON.parse(readFileSync(decisionFile(target), 'utf8')) as HandOverDecision<Plan>;
		return decided.to.ampify === to.ampify && decided.to.instance === to.instance ? decided : undefined;
	} catch {
		return undefined;
	}
}

function pidsDirectory(target: InstanceOnHost): string {
	return path.join(runDirectory(target), 'pids');
}

/** The ampnodes the running supervisor's pid files name (ampnode, ampnode-2 …). */
export function runningAmpnodes(target: InstanceOnHost): string[] {
	try {
		return readdirSync(pidsDirectory(target))
			.filter(entry => /^ampnode(-\d+)?\.pid$/.test(entry))
			.map(entry => entry.slice(0, -'.pid'.length));
	} catch {
		return [];
	}
}

function instanceNginxPid(target: InstanceOnHost): number | undefined {
	return readPid(path.join(runDirectory(target), 'nginx', 'nginx.pid'));
}

/** The instance's own nginx runs (with or without a supervisor). */
export function instanceNginxRunning(target: InstanceOnHost): boolean {
	return instanceNginxPid(target) !== undefined;
}

/** Live outgoing ampnodes: a hand-over under way, or one that never finished. */
export function outgoingAmpnodes(target: InstanceOnHost): number {
	return outgoingRecords(pidsDirectory(target)).length;
}

/**
 * A hand-over turned back before nginx reloaded (the deploy failed or was stopped before the switch):
 * the old ampnodes are the current ones again, for the old release's supervisor to adopt.
 */
export function returnOutgoing(target: InstanceOnHost): void {
	const outgoing = outgoingDirectory(pidsDirectory(target));
	for (const record of outgoingRecords(pidsDirectory(target))) renameSync(pidFile(outgoing, record.daemon), pidFile(pidsDirectory(target), record.daemon));
	rmSync(outgoing, {recursive: true, force: true});
}

/** After the old supervisor stopped with them kept: its ampnodes become the outgoing ones, which no supervisor adopts. */
export function markOutgoingAmpnodes(target: InstanceOnHost, ampnodes: readonly string[]): number {
	return markOutgoing(pidsDirectory(target), ampnodes).length;
}

/**
 * The switch of a hand-over: `nginx -t` of the config the new supervisor wrote (its upstream on the
 * new ampnodes), a reload (HUP: new workers on it, the old ones finish their requests and quit), then
 * the outgoing ampnodes end (SIGTERM: each answers what it has in flight first). Returns false when no
 * hand-over is under way (nothing outgoing).
 */
export async function switchFrontend(target: InstanceOnHost, nginxBinary: string, say: Say): Promise<boolean> {
	const outgoing = outgoingRecords(pidsDirectory(target));
	if (outgoing.length === 0) return false;
	const prefix = path.join(runDirectory(target), 'nginx');
	const master = instanceNginxPid(target);
	if (master === undefined) throw new Error(`no nginx runs for ${target.name} (${path.join(prefix, 'nginx.pid')})`);
	await run(nginxBinary, ['-t', '-q', '-p', `${prefix}/`, '-e', 'stderr', '-c', path.join(prefix, 'nginx.conf')], {say, timeoutMs: 10_000});
	const before = childrenOf(master);
	process.kill(master, 'SIGHUP');
	await waitFor(() => childrenOf(master).some(pid => !before.includes(pid)), 10_000, `nginx ${master} to start workers on the new config`);
	say(`nginx ${master} reloaded onto the new ampnodes`);
	// An old worker takes connections (its own reuseport socket) until it has quit: the old ampnodes serve until then.
	try {
		await waitFor(() => before.every(pid => !isRunning(pid)), 10_000, 'the old nginx workers to finish their requests');
	} catch {
		say(`old nginx workers still finishing requests after 10 s (${before.filter(isRunning).join(', ')}): the old ampnodes end now`);
	}
	const ended = await endOutgoing(pidsDirectory(target), 10_000);
	say(`the old ampnodes ended after their last requests: ${ended.map(record => `${record.daemon} (pid ${record.pid})`).join(', ')}`);
	rmSync(decisionFile(target), {force: true});
	return true;
}
