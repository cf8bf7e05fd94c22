import os from 'node:os';
import type {LockRecord} from './agent/lock.js';
import type {HostStatus} from './agent/status.js';
import type {DeployContext} from './deploy-context.js';
import {StepFailure, type HostRun} from './host-run.js';
import {isAlive} from '../system/proc.js';

/** A lock whose holder ran on this machine and whose process is gone. Holders on other machines cannot be checked from here. */
export function lockIsStale(lock: LockRecord): boolean {
	return lock.kind !== 'maintenance' && lock.host === os.hostname() && !isAlive(lock.pid);
}

/** Who holds a lock, in words; `instance` names the instance in the command that ends a maintenance. */
export function describeLock(lock: LockRecord, instance = 'NAME'): string {
	if (lock.kind === 'maintenance') return `maintenance by ${lock.who} since ${lock.when} (end it with \`ampzero fleet ${instance} maintenance off\`)`;
	return `${lock.who} (pid ${lock.pid} on ${lock.host}, since ${lock.when}, deploying ${lock.version})`;
}

/**
 * The lock step on one host: takes the host's lock-file (a stale one, or with --force-unlock any
 * but a live one of this machine, is taken over), then asks again what the host runs, under the lock.
 * Resolves to whether that changed since planning (its transfers are then planned again).
 */
export async function takeLock(run: DeployContext, host: HostRun): Promise<boolean> {
	const record: LockRecord = {
		deployId: run.deployId,
		who: `${os.userInfo().username}@${os.hostname()}`,
		host: os.hostname(),
		pid: process.pid,
		when: new Date().toISOString(),
		version: run.options.rollback ? `rollback to ${host.status?.previous?.ampify ?? '?'} ${host.status?.previous?.instance ?? '?'}` : `${run.ampify!.name} ${run.instance!.name}`,
	};
	let answer = await run.call<{taken: boolean; holder?: LockRecord}>(host, 'lock', 'lock', {record, force: false});
	if (!answer.taken && answer.holder) {
		const holder = answer.holder;
		const stale = lockIsStale(holder);
		const liveHere = holder.host === os.hostname() && !stale;
		if (run.options.forceUnlock && !liveHere) {
			run.output(host, 'lock', `removing ${stale ? 'the stale' : 'the'} lock of ${describeLock(holder, run.instanceConfig.name)}`);
			answer = await run.call(host, 'lock', 'lock', {record, force: true});
		} else if (stale) {
			throw new StepFailure(`stale lock: ${describeLock(holder, run.instanceConfig.name)} is gone; remove it with --force-unlock`);
		} else {
			throw new StepFailure(`locked by ${describeLock(holder, run.instanceConfig.name)}`);
		}
	}
	if (!answer.taken) throw new StepFailure('the lock-file could not be taken');
	host.lockTaken = true;
	// What the host runs may have changed since it was first asked (another deploy ended in between): ask again, under the lock.
	const fresh = await run.call<HostStatus>(host, 'lock', 'status', {});
	const seen = (status?: HostStatus): string => JSON.stringify([status?.current, status?.previous, status?.releases, status?.tarballs]);
	const changed = seen(fresh) !== seen(host.status);
	if (changed) run.output(host, 'lock', `the host changed since planning (now on ${fresh.current ? `${fresh.current.ampify} ${fresh.current.instance}` : 'no release'}): planning its transfer again`);
	host.status = fresh;
	return changed;
}
