import os from 'node:os';
import {randomBytes} from 'node:crypto';
import {AgentClient} from '../deploy/agent-client.js';
import type {LockRecord} from '../deploy/agent/lock.js';
import type {HostStatus} from '../deploy/agent/status.js';
import {describeLock} from '../deploy/deploy-lock.js';
import {errorMessage} from '../errors.js';
import {forEachHost, type Fleet, type FleetHost} from './fleet-hosts.js';

export interface MaintenanceResult {
	host: string;
	ok: boolean;
	/** What happened, in words: `placeholder up, lock held`, `locked by …`. */
	text: string;
}

const stepTimeoutMs = 30_000;

async function withAgent<T>(fleet: Fleet, host: FleetHost, work: (agent: AgentClient) => Promise<T>): Promise<T> {
	const session = await fleet.connect(host.config);
	try {
		const agent = new AgentClient(session, host.config.root, () => {});
		await agent.install(stepTimeoutMs);
		return await work(agent);
	} finally {
		session.close();
	}
}

/**
 * Puts the "being upgraded" page up on every host, holding each host's deploy lock meanwhile so
 * no deploy runs under it. Locks are taken host by host in sorted order, as a deploy takes them:
 * if one host's lock is held by a deploy, the locks taken so far are given back and nothing is
 * changed. A host already in maintenance keeps its lock (and its page is made sure of): asking
 * twice is not an error, as `off` twice is not.
 */
export async function maintenanceOn(fleet: Fleet): Promise<MaintenanceResult[]> {
	const id = `maintenance-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
	const record: LockRecord = {deployId: id, who: `${os.userInfo().username}@${os.hostname()}`, host: os.hostname(), pid: process.pid, when: new Date().toISOString(), version: 'maintenance', kind: 'maintenance'};
	const request = {name: fleet.instanceName};
	const sorted = [...fleet.hosts].sort((a, b) => a.config.target.localeCompare(b.config.target));
	const locked: FleetHost[] = [];
	const alreadyOn = new Map<FleetHost, LockRecord>();
	const results = new Map<FleetHost, MaintenanceResult>();
	for (const host of sorted) {
		try {
			const answer = await withAgent(fleet, host, agent => agent.call<{taken: boolean; holder?: LockRecord}>('lock', {...request, record, force: false}, {timeoutMs: stepTimeoutMs}));
			if (!answer.taken && answer.holder?.kind === 'maintenance') {
				alreadyOn.set(host, answer.holder);
				continue;
			}
			if (!answer.taken) {
				results.set(host, {host: host.label, ok: false, text: answer.holder ? `locked by ${describeLock(answer.holder, fleet.instanceName)}` : 'the lock-file could not be taken'});
				break;
			}
			locked.push(host);
		} catch (error) {
			results.set(host, {host: host.label, ok: false, text: errorMessage(error)});
			break;
		}
	}
	const refused = results.size > 0;
	await forEachHost([...locked, ...alreadyOn.keys()], fleet.parallel, async host => {
		const since = alreadyOn.get(host);
		try {
			await withAgent(fleet, host, async agent => {
				if (refused && since) {
					results.set(host, {host: host.label, ok: true, text: `unchanged: in maintenance since ${since.when}, by ${since.who}`});
				} else if (refused) {
					await agent.call('unlock', {...request, deployId: id}, {timeoutMs: stepTimeoutMs});
					results.set(host, {host: host.label, ok: true, text: 'unchanged (lock given back)'});
				} else {
					await agent.call('placeholder', {...request, on: true}, {timeoutMs: stepTimeoutMs});
					results.set(host, {host: host.label, ok: true, text: since ? `placeholder up, already in maintenance since ${since.when}, by ${since.who}` : 'placeholder up, lock held'});
				}
			});
		} catch (error) {
			results.set(host, {host: host.label, ok: false, text: errorMessage(error)});
		}
	});
	// Hosts after the one that refused were not asked.
	for (const host of sorted) if (!results.has(host)) results.set(host, {host: host.label, ok: !refused, text: refused ? 'unchanged (not asked: an earlier host refused)' : 'unchanged'});
	return fleet.hosts.map(host => results.get(host)!);
}

/** Takes the page down and gives back the maintenance lock; a host whose lock a deploy holds is left alone. */
export async function maintenanceOff(fleet: Fleet): Promise<MaintenanceResult[]> {
	const request = {name: fleet.instanceName};
	const results = new Map<FleetHost, MaintenanceResult>();
	await forEachHost(fleet.hosts, fleet.parallel, async host => {
		try {
			results.set(
				host,
				await withAgent(fleet, host, async agent => {
					const status = await agent.call<HostStatus>('status', request, {timeoutMs: stepTimeoutMs});
					const lock = status.lock;
					if (lock && lock.kind !== 'maintenance') return {host: host.label, ok: false, text: `left alone: locked by ${describeLock(lock, fleet.instanceName)}`};
					await agent.call('placeholder', {...request, on: false}, {timeoutMs: stepTimeoutMs});
					if (!lock) return {host: host.label, ok: true, text: 'placeholder down (it was not in maintenance)'};
					await agent.call('unlock', {...request, deployId: lock.deployId}, {timeoutMs: stepTimeoutMs});
					return {host: host.label, ok: true, text: 'placeholder down, lock released'};
				}),
			);
		} catch (error) {
			results.set(host, {host: host.label, ok: false, text: errorMessage(error)});
		}
	});
	return fleet.hosts.map(host => results.get(host)!);
}
