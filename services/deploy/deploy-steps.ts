import {createReadStream} from 'node:fs';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {inlineInputBytes} from './agent-client.js';
import type {CurrentRecord} from './agent/host-files.js';
import type {DeployContext} from './deploy-context.js';
import {takeLock} from './deploy-lock.js';
import {planTransfers} from './deploy-plan.js';
import type {DeployStep} from './events.js';
import {waitForHealthy} from './health.js';
import {StepFailure, type HostRun, type Transfer} from './host-run.js';
import {startNew, stopOld} from './release-daemons.js';
import {discardSent, liftPlaceholder, releaseLock, restartOld, switchBack, type Undo} from './rollback.js';
import {localScript, type HostWork} from './step-runner.js';

/** A step as the table gives it: its name and what it does on a host. */
interface HostStep {
	step: DeployStep;
	run: HostWork;
}

/** A step before the point of no return: `undo` is how the rollback undoes it (see rollback.ts), or `none`. */
interface UndoableStep extends HostStep {
	undo: Undo | 'none';
}

/**
 * Every step of a deploy after connect (which is made while planning, see deploy-plan.ts), in order.
 * All hosts finish a step before any host starts the next.
 */
export interface StepTable {
	/** Taken one host at a time, in sorted host order: two deploys racing meet at the first host. */
	lock: UndoableStep;
	/** A failure puts every host back on its old release. */
	beforeSwitch: UndoableStep[];
	/** From the switch on, a failure on any host switches every host back and starts the old release again. */
	afterSwitch: UndoableStep[];
	/** Past the point of no return: a failure is reported, nothing is rolled back. */
	tidyUp: HostStep[];
}

/** A small file (a patch, mostly) goes along with the step's message to the serving agent; a larger one is streamed in an exec of its own. */
async function send(run: DeployContext, host: HostRun, transfer: Transfer, step: DeployStep): Promise<number> {
	const stdin = transfer.bytes <= inlineInputBytes ? await readFile(transfer.file!) : createReadStream(transfer.file!);
	const received = await run.call<{bytes: number}>(host, step, 'receive', {file: transfer.remoteName}, {stdin});
	return received.bytes;
}

async function sendReleases(run: DeployContext, host: HostRun): Promise<number> {
	let bytes = 0;
	for (const transfer of host.transfers) {
		if (transfer.kind === 'present') continue;
		run.output(host, 'transfer', `${transfer.release.name}: ${transfer.kind === 'patch' ? `patch against ${transfer.base}` : 'full tarball'}, ${transfer.bytes} bytes`);
		host.made.files.push(transfer.remoteName!);
		bytes += await send(run, host, transfer, 'transfer');
	}
	return bytes;
}

/** Compares what arrived with what was sent; a damaged file is sent once more. Returns the bytes sent again. */
async function verifyTransfers(run: DeployContext, host: HostRun): Promise<number> {
	let resent = 0;
	for (const transfer of host.transfers) {
		if (transfer.kind === 'present') continue;
		const verify = (): Promise<{ok: boolean; actual: string}> => run.call(host, 'verify-transfer', 'verify-received', {file: transfer.remoteName, sha256: transfer.sha256});
		let check = await verify();
		if (!check.ok) {
			run.output(host, 'verify-transfer', `${transfer.remoteName} arrived with sha256 ${check.actual.slice(0, 12)}…, expected ${transfer.sha256!.slice(0, 12)}…: sending it once more`);
			resent += await send(run, host, transfer, 'verify-transfer');
			check = await verify();
			if (!check.ok) throw new StepFailure(`${transfer.remoteName} arrived damaged twice (sha256 ${check.actual.slice(0, 12)}…)`);
		}
	}
	return resent;
}

async function unpackReleases(run: DeployContext, host: HostRun): Promise<void> {
	for (const transfer of host.transfers) {
		const result = await run.call<{unpacked: boolean; tarballMade: boolean}>(host, 'unpack', 'unpack', {
			unpack: {release: transfer.release.name, kind: transfer.kind, ...(transfer.remoteName ? {file: transfer.remoteName} : {}), ...(transfer.base ? {base: transfer.base} : {}), tarSha256: transfer.release.tarSha256},
		});
		if (result.tarballMade) host.made.tarballs.push(transfer.release.name);
		if (result.unpacked) host.made.releases.push(transfer.release.name);
	}
}

/** Compares each release this deploy unpacked with its manifest. */
async function verifyUnpacked(run: DeployContext, host: HostRun): Promise<void> {
	for (const transfer of host.transfers) {
		if (!host.made.releases.includes(transfer.release.name)) continue;
		const check = await run.call<{ok: boolean; differences: string[]}>(host, 'verify-unpack', 'verify-tree', {release: transfer.release.name}, {stdin: Buffer.from(transfer.release.manifest)});
		if (!check.ok) throw new StepFailure(`${transfer.release.name} unpacked differs from its manifest: ${check.differences.join(', ')}`);
	}
}

async function setUp(run: DeployContext, host: HostRun): Promise<void> {
	if (host.entry) {
		// The host's own TLS key, sent to it alone (the release carries no host's key, and never the CA's).
		const file = `tls/hosts/${host.entry.name}.key`;
		const key = await readFile(path.join(run.options.instanceDirectory, file));
		await run.call(host, 'set-up', 'install-key', {release: run.instance!.name, file}, {stdin: key});
		run.output(host, 'set-up', `installed its own key ${file}`);
	}
	await run.call(host, 'set-up', 'set-up', {releases: run.current()});
}

/** The host's own script (deployment.yaml `pre_update:`), run from the new instance release. */
async function preUpdate(run: DeployContext, host: HostRun): Promise<void> {
	if (host.config.preUpdate) await run.call(host, 'pre-update', 'pre-update', {release: run.instance!.name, script: host.config.preUpdate});
}

/** What the host switches to: the new releases, or for a rollback the ones it ran before. */
function switchTo(run: DeployContext, host: HostRun): {to: CurrentRecord; previous: CurrentRecord | null} {
	return {to: run.options.rollback ? host.status!.previous! : run.current(), previous: host.status!.current ?? null};
}

async function nginxUpgrade(run: DeployContext, host: HostRun): Promise<void> {
	await run.call(host, 'nginx-upgrade', 'nginx-upgrade', {});
}

async function healthCheck(run: DeployContext, host: HostRun): Promise<void> {
	const url = run.healthUrl(host);
	const answer = await waitForHealthy(url, Math.min(run.config.healthTimeoutMs, run.stepTimeout), run.signal);
	if (!answer.ok) throw new StepFailure(`${url} did not answer 200 (last: ${answer.last})`);
	run.output(host, 'health-check', `${url} answers 200`);
}

/** Removes the releases and tarballs the host keeps no more: all but the new ones and those it ran before. */
async function cleanUp(run: DeployContext, host: HostRun): Promise<void> {
	const previous = host.status?.current;
	const keep = [run.ampify!.name, run.instance!.name, ...(previous ? [previous.ampify, previous.instance] : [])];
	const {removed} = await run.call<{removed: string[]}>(host, 'clean-up', 'clean-up', {keep});
	if (removed.length > 0) run.output(host, 'clean-up', `removed ${removed.join(', ')}`);
}

async function unlock(run: DeployContext, host: HostRun): Promise<void> {
	try {
		await run.call(host, 'unlock', 'unlock', {deployId: run.deployId, history: run.historyRecord(host, 'done')});
	} catch (error) {
		host.lockLeft = true;
		throw error;
	}
	host.lockTaken = false;
}

/** The steps of this deploy; a rollback to the previous release (`deploy rollback`) sends nothing and runs no scripts. */
export function stepTable(run: DeployContext): StepTable {
	const {config} = run;
	const rollback = run.options.rollback === true;
	const sendAndSetUp: UndoableStep[] = [
		{step: 'pre-deploy', run: localScript(run, 'pre-deploy', config.preDeploy), undo: 'none'},
		{step: 'transfer', run: host => sendReleases(run, host), undo: discardSent},
		{step: 'verify-transfer', run: host => verifyTransfers(run, host), undo: 'none'},
		{step: 'unpack', run: host => unpackReleases(run, host), undo: discardSent},
		{step: 'verify-unpack', run: host => verifyUnpacked(run, host), undo: 'none'},
		// Writes into the new release (which discardSent removes when this deploy unpacked it); the Debian packages it installs stay.
		{step: 'set-up', run: host => setUp(run, host), undo: 'none'},
		{step: 'pre-update', run: host => preUpdate(run, host), undo: 'none'},
	];
	const tidyUp: HostStep[] = [
		{step: 'clean-up', run: host => cleanUp(run, host)},
		{step: 'post-deploy', run: localScript(run, 'post-deploy', config.postDeploy)},
	];
	return {
		lock: {
			step: 'lock',
			run: async host => {
				if ((await takeLock(run, host)) && !rollback) await planTransfers(run, host);
			},
			undo: releaseLock,
		},
		beforeSwitch: [
			...(rollback ? [] : sendAndSetUp),
			{
				step: 'placeholder-on',
				run: async host => {
					host.placeholderOn = true;
					// Told where the deploy goes, a host shows the placeholder only if that release cannot take its frontend over.
					const {shown} = await run.call<{shown?: boolean}>(host, 'placeholder-on', 'placeholder', {on: true, to: rollback ? host.status?.previous : run.current()});
					host.placeholderOn = shown !== false;
				},
				undo: liftPlaceholder,
			},
			{
				step: 'stop-old',
				run: async host => {
					host.stoppedOld = true;
					await stopOld(run, host, 'stop-old', rollback ? host.status?.previous : run.current());
				},
				undo: restartOld,
			},
		],
		afterSwitch: [
			{
				step: 'switch',
				run: async host => {
					const {to, previous} = switchTo(run, host);
					host.switched = true;
					await run.call(host, 'switch', 'switch', {to, previous});
					host.release = `${to.ampify} ${to.instance}`;
				},
				undo: switchBack,
			},
			// Switching back stops the new release and upgrades nginx onto the old config.
			{step: 'start-new', run: host => startNew(run, host, 'start-new'), undo: switchBack},
			// After start-new: in a hand-over the new ampnodes run beside the old ones on every host, and nginx reloads onto them here, in lock-step.
			{step: 'nginx-upgrade', run: host => nginxUpgrade(run, host), undo: switchBack},
			{step: 'health-check', run: host => healthCheck(run, host), undo: 'none'},
			{
				step: 'placeholder-off',
				run: async host => {
					await run.call(host, 'placeholder-off', 'placeholder', {on: false});
					host.placeholderOn = false;
				},
				undo: 'none',
			},
		],
		tidyUp: [...(rollback ? [] : tidyUp), {step: 'unlock', run: host => unlock(run, host)}],
	};
}

/** Every step of the table by name, in order, connect first: the plan's steps. */
export function stepNames(table: StepTable): DeployStep[] {
	return ['connect', ...[table.lock, ...table.beforeSwitch, ...table.afterSwitch, ...table.tidyUp].map(each => each.step)];
}

/** The undos of every step up to the switch and after it, the last step's first, each once: the rollback's order. */
export function undoOrder(table: StepTable): Undo[] {
	const undos = [table.lock, ...table.beforeSwitch, ...table.afterSwitch].reverse().map(each => each.undo);
	return [...new Set(undos.filter(undo => undo !== 'none'))];
}
