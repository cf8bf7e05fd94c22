import path from 'node:path';
import {errorMessage} from '../errors.js';
import type {CurrentRecord} from './agent/host-files.js';
import type {DeployContext} from './deploy-context.js';
import type {DeployStep} from './events.js';
import {waitForHealthy} from './health.js';
import type {HostRun} from './host-run.js';
import {startNew, stopOld} from './release-daemons.js';
import {inPool} from './step-runner.js';

/** One host being put back: what it ran before this deploy, and what the undos so far did. */
interface PuttingBack {
	run: DeployContext;
	host: HostRun;
	before?: CurrentRecord;
	/** The old release was started again. */
	restarted: boolean;
	/** Runs one undo: shows it, and keeps its failure in the host's `rollbackErrors`; says whether it worked. */
	attempt: (what: string, work: () => Promise<unknown>) => Promise<boolean>;
}

/**
 * How a step is undone: each undo looks at what the steps recorded on the host (`switched`,
 * `stoppedOld`, `placeholderOn`, `made`, `lockTaken`) and undoes only what was done.
 */
export type Undo = (back: PuttingBack) => Promise<void>;

/** The rollback's lines are shown under the switch step, the step it turns around. */
const shownUnder: DeployStep = 'switch';

/** Undoes the switch and what ran after it: the new release is stopped and the host switched back to the old one. */
export const switchBack: Undo = async ({run, host, before, attempt}) => {
	if (!host.switched) {
		// Never switched: what still runs is the old release's own, which its supervisor adopts as it is.
		host.rollKeyspace = false;
		return;
	}
	await attempt('placeholder on', () => run.call(host, shownUnder, 'placeholder', {on: true}, {abortable: false}));
	await attempt('stopped the new release', () => stopOld(run, host, shownUnder, before, false));
	await attempt(before ? `switched back to ${before.ampify} ${before.instance}` : 'removed the new release links', () =>
		run.call(host, shownUnder, 'switch', {to: before ?? null, previous: host.status?.previous ?? null}, {abortable: false}),
	);
	if (before) await attempt('nginx upgraded onto the old config', () => run.call(host, shownUnder, 'nginx-upgrade', {}, {abortable: false}));
	host.switched = false;
	host.stoppedOld = true;
};

/** Undoes stop-old: the old release runs again. */
export const restartOld: Undo = async back => {
	const {run, host, before, attempt} = back;
	if (host.stoppedOld && before) back.restarted = await attempt(`started ${before.ampify} ${before.instance} again`, () => startNew(run, host, shownUnder, false));
};

/** Undoes placeholder-on; then the old release must answer as it did before the deploy, asked as a client would. */
export const liftPlaceholder: Undo = async ({run, host, before, restarted, attempt}) => {
	if (host.placeholderOn || host.stoppedOld) await attempt('placeholder off', () => run.call(host, shownUnder, 'placeholder', {on: false}, {abortable: false}));
	if (!restarted && !(host.placeholderOn && before)) return;
	const url = run.healthUrl(host);
	const answer = await waitForHealthy(url, Math.min(run.config.healthTimeoutMs, run.stepTimeout));
	if (answer.ok) run.output(host, shownUnder, `rollback: ${url} answers 200`);
	else {
		host.rollbackErrors.push(`${url} does not answer 200 after the rollback (last: ${answer.last})`);
		run.output(host, shownUnder, `rollback: ${url} does not answer 200 (last: ${answer.last})`);
	}
};

/** Undoes transfer and unpack: removes the files, tarballs and releases this deploy made (`made`). */
export const discardSent: Undo = async ({run, host, attempt}) => {
	await attempt('removed what this deploy sent', () => run.call(host, shownUnder, 'discard', {made: host.made}, {abortable: false}));
};

/** Undoes lock: gives the lock back, with the deploy's line in the host's history. */
export const releaseLock: Undo = async ({run, host, attempt}) => {
	const released = await attempt('lock released', () =>
		run.call(host, shownUnder, 'unlock', {deployId: run.deployId, history: run.historyRecord(host, run.signal.aborted ? 'aborted' : 'rolled-back')}, {abortable: false}),
	);
	if (released) host.lockTaken = false;
	else host.lockLeft = true;
};

/**
 * Puts a host back as it was before this deploy, by `undos` in turn (the last step's first). Nothing
 * is touched on a host whose lock this deploy does not hold. Every failure is kept in `rollbackErrors`
 * (and shown); the host's state says whether it worked.
 */
async function putBack(run: DeployContext, host: HostRun, undos: readonly Undo[]): Promise<void> {
	if (!host.agent || !host.lockTaken) {
		if (host.state === 'waiting') run.setState(host, 'skipped');
		return;
	}
	if (host.state !== 'failed') run.setState(host, 'rolling-back');
	const back: PuttingBack = {
		run,
		host,
		before: host.status?.current,
		restarted: false,
		attempt: async (what, work) => {
			try {
				await work();
				run.output(host, shownUnder, `rollback: ${what}`);
				return true;
			} catch (error) {
				host.rollbackErrors.push(`${what}: ${errorMessage(error)}`);
				run.output(host, shownUnder, `rollback: ${what} failed: ${errorMessage(error)}`);
				return false;
			}
		},
	};
	for (const undo of undos) await undo(back);
	if (host.rollbackErrors.length > 0) run.setState(host, 'rollback-failed');
	else if (host.state !== 'failed') run.setState(host, 'rolled-back');
}

/** Ends a deploy that failed (on the hosts `why`, or was aborted): puts every host back and says why it ended. */
export async function rollBack(run: DeployContext, why: HostRun[], undos: readonly Undo[]): Promise<boolean> {
	run.setPhase('rolling-back');
	await inPool(run.hosts, run.parallel, host => putBack(run, host, undos));
	for (const host of run.hosts) if (host.state === 'waiting') run.setState(host, 'skipped');
	const first = why[0];
	const cause = first?.error ? `${first.label}: ${first.error}` : 'aborted';
	const broken = run.hosts.filter(host => host.rollbackErrors.length > 0);
	if (broken.length > 0) {
		run.rollbackFailed = true;
		run.setPhase('rollback-failed');
		const name = path.basename(run.options.instanceDirectory);
		return run.finish(
			false,
			`${cause}; the rollback failed on ${broken.map(host => `${host.label} (${host.rollbackErrors.join('; ')})`).join(', ')}: ` +
				`see what each host runs with \`ampzero deploy ${name} status\`, fix what the error names on the host, then deploy again`,
		);
	}
	run.setPhase(run.signal.aborted ? 'aborted' : 'rolled-back');
	return run.finish(false, cause);
}
