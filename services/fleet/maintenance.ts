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
 * if one host's lock is held, the locks taken so far are given back and nothing is changed.
 */
export async function maintenanceOn(fleet: Fleet): Promise<MaintenanceResult[]> {
	const id = `maintenance-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
	const record: LockRecord = {deployId: id, who: `${os.userInfo().username}@${os.hostname()}`, host: os.hostname(), pid: process.pid, when: new Date().toISOString(), version: 'maintenance', kind: 'maintenance'};
	const request = {name: fleet.instanceName};
	const sorted = [...fleet.hosts].sort((a, b) => a.config.target.localeCompare(b.config.target));
	const locked: FleetHost[] = [];
	const results = new Map<FleetHost, MaintenanceResult>();
	for (const host of sorted) {
		try {
			const answer = await withAgent(fleet, host, agent => agent.call<{taken: boolean; holder?: LockRecord}>('lock', {...request, record, force: false}, {timeoutMs: stepTimeoutMs}));
			if (!answer.taken) {
				results.set(host, {host: host.label, ok: false, text: answer.holder ? `locked by ${describeLock(answer.holder)}` : 'the lock-file could not be taken'});
				break;
			}
			locked.push(host);
		} catch (error) {
			results.set(host, {host: host.label, ok: false, text: errorMessage(error)});
			break;
		}
	}
	const refused = results.size > 0;
	await forEachHost(locked, fleet.parallel, async host => {
		try {
			await withAgent(fleet, host, async agent => {
				if (refused) {
					await agent.call('unlock', {...request, deployId: id}, {timeoutMs: stepTimeoutMs});
					results.set(host, {host: host.label, ok: true, text: 'unchanged (lock given back)'});
				} else {
					await agent.call('placeholder', {...request, on: true}, {timeoutMs: stepTimeoutMs});
					results.set(host, {host: host.label, ok: true, text: 'placeholder up, lock held'});
				}
			});
		} catch (error) {
			results.set(host, {host: host.label, ok: false, text: errorMessage(error)});
		}
	});
	for (const host of sorted) if (!results.has(host)) results.set(host, {host: host.label, ok: !refused, text: 'unchanged'});
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
					if (lock && lock.kind !== 'maintenance') return {host: host.label, ok: false, text: `left alone: locked by ${describeLock(lock)}`};
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
