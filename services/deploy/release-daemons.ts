import type {CurrentRecord} from './agent/host-files.js';
import type {StopOldResult} from './agent/stop-start.js';
import type {DeployContext} from './deploy-context.js';
import type {DeployStep} from './events.js';
import type {HostRun} from './host-run.js';

/**
 * Stops what the release `to` changes (stateless daemons always; daemons that keep state only when
 * their files or config changed) and keeps the rest running for the new supervisor to adopt.
 */
export async function stopOld(run: DeployContext, host: HostRun, step: DeployStep, to: CurrentRecord | undefined, abortable = true): Promise<void> {
	const result = await run.call<StopOldResult>(host, step, 'stop-old', to ? {to} : {}, {abortable});
	host.rollKeyspace = result.rollKeyspace === true;
	const words = {
		kept: (pid?: number) => `kept running (pid ${pid ?? '?'}): its files and config did not change`,
		restarted: () => 'restarted (config changed)',
		'restart-later': () => 'keeps running for now: its config changed; restarted after start-new, one member at a time',
	};
	for (const daemon of result.daemons ?? []) run.daemonEvent(host, step, daemon.label, daemon.fate, `${daemon.label} ${words[daemon.fate](daemon.pid)}`, daemon.pid);
}

/** `ampzero run` of the release now current; then, when its keyspace member's config changed, that member's restart in turn. */
export async function startNew(run: DeployContext, host: HostRun, step: DeployStep, abortable = true): Promise<void> {
	await run.call(host, step, 'start-new', {adoptChanged: host.rollKeyspace ? ['keyspace'] : []}, {abortable});
	if (!host.rollKeyspace) return;
	const member = host.entry?.keyspace === undefined ? 'keyspace' : `keyspace-${host.entry.keyspace}`;
	const restarted = await run.oneMemberAtATime(() => run.call<{before?: number; after: number; ms: number}>(host, step, 'restart-keyspace', {}, {abortable}));
	host.rollKeyspace = false;
	run.daemonEvent(host, step, member, 'restarted-in-turn', `${member} restarted (config changed) in ${restarted.ms} ms, pid ${restarted.before ?? '?'} → ${restarted.after}; the cluster kept its quorum`, restarted.after);
}
