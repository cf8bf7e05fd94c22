import path from 'node:path';
import {loadInstanceConfig} from '../config/amprun.js';
import {AmpError, errorMessage} from '../errors.js';
import {AgentClient} from './agent-client.js';
import type {HostStatus} from './agent/status.js';
import type {DeployContext} from './deploy-context.js';
import type {DeployPlan, DeployStep} from './events.js';
import {linkHosts} from './host-link.js';
import type {HostRun} from './host-run.js';
import {buildAmpifyRelease, buildInstanceRelease, cachedRelease, cleanHead, patchBetween, type BuiltRelease} from './release.js';
import {inPool, withTimeout} from './step-runner.js';

/** When each host's connect began, and why it failed on those it failed on (in the order they failed). */
export interface Connects {
	started: Map<HostRun, number>;
	errors: Map<HostRun, string>;
}

async function connectHost(run: DeployContext, host: HostRun): Promise<void> {
	const session = await run.options.connect(host.config);
	host.session = session;
	host.agent = new AgentClient(session, host.config.root, (line, streamName) => run.output(host, 'connect', streamName === 'err' ? `! ${line}` : line));
	await host.agent.install(run.stepTimeout, run.signal);
	await host.agent.serve(run.stepTimeout);
	host.status = await run.call<HostStatus>(host, 'connect', 'status', {});
}

/** Chooses per release: already there, a patch against the release the host runs (when this machine still has its tarball), or the full tarball. */
export async function planTransfers(run: DeployContext, host: HostRun): Promise<void> {
	host.transfers = [];
	for (const release of [run.ampify!, run.instance!]) {
		const status = host.status!;
		if (status.releases.includes(release.name) && status.tarballs.includes(release.name)) {
			host.transfers.push({release, kind: 'present', bytes: 0});
			continue;
		}
		const prefix = release.name.split('-')[0] as 'ampify' | 'instance';
		const candidates = [status.current?.[prefix], status.previous?.[prefix]].filter((name): name is string => !!name && status.tarballs.includes(name));
		let base: BuiltRelease | undefined;
		for (const name of candidates) if ((base = await cachedRelease(name))) break;
		if (base) {
			const patch = await run.buildStep(`patch ${base.name} → ${release.name}`, () => patchBetween(base, release));
			if (patch.bytes < release.fullBytes) {
				host.transfers.push({release, kind: 'patch', file: patch.file, remoteName: path.basename(patch.file), sha256: patch.sha256, bytes: patch.bytes, base: base.name});
				continue;
			}
		}
		host.transfers.push({release, kind: 'full', file: release.fullFile, remoteName: path.basename(release.fullFile), sha256: release.fullSha256, bytes: release.fullBytes});
	}
}

/**
 * The planning phase: checks the input, builds the releases, connects to every host (a plan needs to
 * know what each host has) and plans its transfers, then tells the plan. The connect steps' events
 * follow the plan (see reportConnects).
 */
export async function planDeploy(run: DeployContext, steps: readonly DeployStep[]): Promise<Connects> {
	const {config, options, hosts} = run;
	run.setPhase('planning');
	if (run.missing.length > 0) throw new AmpError(`--host ${run.missing.join(', ')}: not in ${config.file} (its hosts: ${config.hosts.map(host => host.target).join(', ') || 'none'})`, 2);
	if (hosts.length === 0) throw new AmpError(`${config.file} lists no hosts: add them under hosts:`);
	run.instanceConfig = await loadInstanceConfig(options.instanceDirectory);
	// deployment.yaml and amprun.yaml hosts: must agree before anything connects.
	const links = linkHosts(config, run.instanceConfig, options.instanceDirectory);
	for (const host of hosts) {
		const entry = links.get(host.config.target);
		if (entry) host.entry = entry;
	}
	let building: Promise<unknown> = Promise.resolve();
	if (!options.rollback) {
		// A tree with changes not committed is refused before anything connects.
		const [instanceCommit, ampifyCommit] = await Promise.all([cleanHead(options.instanceDirectory, 'the instance'), cleanHead(options.checkout, 'the ampzero checkout')]);
		// The releases are built while the hosts are reached: each host's plan waits for both.
		building = Promise.all([
			buildInstanceRelease(options.instanceDirectory, instanceCommit, undefined, run.buildStep).then(release => (run.instance = release)),
			buildAmpifyRelease(options.checkout, ampifyCommit, line => run.note('-', '-', line), undefined, run.buildStep).then(release => (run.ampify = release)),
		]);
		building.catch(() => {});
	}

	const connects: Connects = {started: new Map(), errors: new Map()};
	await inPool(hosts, run.parallel, async host => {
		connects.started.set(host, Date.now());
		try {
			await withTimeout(connectHost(run, host), config.ssh.connectTimeoutMs + run.stepTimeout, 'connect');
			// A build that failed is the deploy's error (thrown below), not this host's.
			if (!options.rollback && (await building.then(() => true, () => false))) await planTransfers(run, host);
		} catch (error) {
			connects.errors.set(host, errorMessage(error));
		}
		host.stepMs.connect = Date.now() - connects.started.get(host)!;
	});
	await building;
	const {ampify, instance} = run;
	const plan: DeployPlan = {
		deployId: run.deployId,
		instance: run.instanceConfig.name,
		ampifyRelease: ampify?.name ?? '',
		instanceRelease: instance?.name ?? '',
		hosts: hosts.map(host => ({
			host: host.label,
			transfer: host.transfers.some(transfer => transfer.kind === 'full') || host.transfers.length === 0 ? 'full' : 'patch',
			bytes: host.transfers.length > 0 ? host.transfers.reduce((sum, transfer) => sum + transfer.bytes, 0) : (ampify?.fullBytes ?? 0) + (instance?.fullBytes ?? 0),
		})),
		steps,
		logFile: run.logFile,
		kind: run.kind,
	};
	run.emit({type: 'deploy-plan', plan});
	return connects;
}

/** The connect step's events on every host, as the connects made while planning went; a host that could not connect is failed. */
export function reportConnects(run: DeployContext, connects: Connects): void {
	for (const host of run.hosts) {
		run.emit({type: 'step-start', host: host.label, step: 'connect', at: connects.started.get(host)!});
		const error = connects.errors.get(host);
		run.emit({type: 'step-end', host: host.label, step: 'connect', ok: !error, ms: host.stepMs.connect ?? 0, ...(error ? {error} : {})});
		if (error) {
			host.error = `connect: ${error}`;
			run.setState(host, 'failed');
		}
	}
}
