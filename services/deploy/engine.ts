import {errorMessage} from '../errors.js';
import {DeployContext, type DeployOptions} from './deploy-context.js';
import {planDeploy, reportConnects} from './deploy-plan.js';
import {stepNames, stepTable, undoOrder} from './deploy-steps.js';
import type {DeployEvent} from './events.js';
import type {HostRun} from './host-run.js';
import {rollBack} from './rollback.js';
import {runStep} from './step-runner.js';

export interface DeployRun {
	/** Every event from the first, for each subscriber. */
	events(): AsyncIterable<DeployEvent>;
	/** Stops the deploy and rolls back as a failure would (^C, `a` on the screen). */
	abort(reason?: string): void;
	/**
	 * Resolves when the deploy has ended: ok only on success; `rollbackFailed` when a host could not be
	 * put back as it was; `error` when it could not start (bad input, dirty tree…).
	 */
	done: Promise<{ok: boolean; rollbackFailed?: boolean; error?: unknown}>;
}

/** For `deploy rollback`: the hosts whose previous release is gone (or that have none), failed. */
function withoutPrevious(run: DeployContext): HostRun[] {
	const failed: HostRun[] = [];
	for (const host of run.hosts) {
		const previous = host.status?.previous;
		const missingRelease = !previous ? 'no previous release' : [previous.ampify, previous.instance].filter(name => !host.status!.releases.includes(name)).join(', ');
		if (missingRelease) {
			host.error = `rollback: ${missingRelease === 'no previous release' ? missingRelease : `${missingRelease} is gone`}`;
			run.setState(host, 'failed');
			failed.push(host);
		}
	}
	return failed;
}

/** The deploy from planning to its end; resolves to whether it succeeded. */
async function deploy(run: DeployContext): Promise<boolean> {
	const {hosts, signal} = run;
	const table = stepTable(run);
	const undos = undoOrder(table);
	const connects = await planDeploy(run, stepNames(table));
	if (run.options.dryRun) {
		for (const host of hosts) if (connects.errors.has(host)) run.output(host, 'connect', `cannot connect: ${connects.errors.get(host)}`);
		run.setPhase(connects.errors.size > 0 ? 'failed' : 'done');
		return run.finish(connects.errors.size === 0, connects.errors.size > 0 ? [...connects.errors.values()][0] : undefined);
	}
	run.setPhase('deploying');
	reportConnects(run, connects);

	let failed = hosts.filter(host => connects.errors.has(host));
	if (signal.aborted) {
		for (const host of hosts) {
			if (failed.includes(host)) continue;
			host.error = 'aborted';
			failed.push(host);
		}
	}
	if (failed.length > 0) return rollBack(run, failed, undos);

	// One host at a time, in sorted host order: two deploys racing meet at the first host.
	for (const host of hosts) {
		failed = await runStep(run, table.lock.step, [host], table.lock.run);
		if (failed.length > 0) return rollBack(run, failed, undos);
	}
	if (run.options.rollback) {
		failed = withoutPrevious(run);
		if (failed.length > 0) return rollBack(run, failed, undos);
	}
	for (const {step, run: work} of [...table.beforeSwitch, ...table.afterSwitch]) {
		failed = await runStep(run, step, hosts, work);
		if (failed.length > 0 || signal.aborted) return rollBack(run, failed, undos);
	}

	// Past the point of no return: what follows only tidies up; a failure is reported, nothing is rolled back.
	let tidyFailed: HostRun[] = [];
	for (const {step, run: work} of table.tidyUp) tidyFailed.push(...(await runStep(run, step, hosts, work)));
	tidyFailed = [...new Set(tidyFailed)];
	for (const host of hosts) if (!tidyFailed.includes(host)) run.setState(host, 'done');
	run.setPhase(tidyFailed.length > 0 ? 'failed' : 'done');
	return run.finish(tidyFailed.length === 0, tidyFailed[0]?.error ? `${tidyFailed[0].label}: ${tidyFailed[0].error} (every host runs the new release)` : undefined);
}

/**
 * The deploy engine. Every step runs on every host (at most `parallel` at once) and no host starts
 * a step before every host has finished the one before (the steps: deploy-steps.ts). A failure
 * before the switch puts every host back on its old release; a failure after it switches every host
 * back and restarts the old release (rollback.ts).
 */
export function runDeploy(options: DeployOptions): DeployRun {
	const run = new DeployContext(options);
	const done = deploy(run).then(
		ok => ({ok, ...(run.rollbackFailed ? {rollbackFailed: true} : {})}),
		async (error: unknown) => {
			// It could not start, or broke off: locks taken so far are given back, without a line in the hosts' history.
			await Promise.all(
				run.hosts.map(async host => {
					if (!host.lockTaken || !host.agent) return;
					try {
						await host.agent.call('unlock', {deployId: run.deployId}, {timeoutMs: 10_000});
						host.lockTaken = false;
					} catch {
						host.lockLeft = true;
					}
				}),
			);
			run.phase = 'failed';
			run.emit({type: 'phase', phase: run.phase, at: Date.now()});
			await run.finish(false, errorMessage(error));
			return {ok: false, error};
		},
	);

	return {
		events: () => run.events(),
		abort: reason => {
			if (run.signal.aborted) return;
			run.note('-', '-', `abort: ${reason ?? 'asked'}`);
			run.controller.abort(new Error(reason ?? 'aborted'));
		},
		done,
	};
}
