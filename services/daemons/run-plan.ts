import type {InstanceConfig} from '../config/amprun.js';
import {loadRunConfig} from '../config/placement.js';
import {runPaths} from '../config/paths.js';
import {ampnodePorts} from './ampnode-ports.js';
import {builtinDaemons, handingOverFrontend} from './builtin.js';
import {reloadLeftNginx, writeRunNginxConfig} from './nginx-run-config.js';
import {findSupervisor} from '../supervisor/lock.js';
import {endOutgoing} from '../supervisor/outgoing-daemons.js';
import {grantDaemonAccess} from './daemon-access.js';
import {daemonUser} from './daemon-user.js';
import {extraDaemons} from './extra.js';
import {withFingerprints} from './fingerprint.js';
import {remoteTargets} from './remote.js';
import {prepareRunDirectories} from './prepare.js';
import {frontendUrl} from '../config/urls.js';
import type {RunFlags, RunPlan} from '../supervisor/plan-file.js';
import {dependencyLevels} from '../supervisor/topology.js';

export {writePlan, type RunFlags, type RunPlan} from '../supervisor/plan-file.js';

/**
 * Set by a deploy for `run`: daemons whose config changed that the new supervisor still adopts, because
 * the deploy restarts them itself, one host at a time (the keyspace members, keeping quorum).
 */
const adoptChangedVariable = 'AMPZERO_ADOPT_CHANGED';

function adoptChanged(): string[] {
	return (process.env[adoptChangedVariable] ?? '').split(',').filter(Boolean);
}

export async function planRun(instanceDirectory: string, given: RunFlags): Promise<{config: InstanceConfig; plan: RunPlan}> {
	const config = await loadRunConfig(instanceDirectory);
	// A server host of `hosts:` runs as with --server (no NAT mapping either), flag or not.
	const flags = config.placement?.host.server ? {...given, server: true} : given;
	const user = daemonUser();
	const paths = runPaths(config);
	const handingOver = handingOverFrontend();
	const supervised = findSupervisor(paths) !== undefined;
	// A hand-over whose deploy never finished it (killed): a plain run ends the old ampnodes first.
	if (!handingOver && !supervised) await endOutgoing(paths.pids, 6000);
	const ports = await ampnodePorts(config, paths.pids);
	const extras = extraDaemons(config, instanceDirectory).map(spec => (user ? {...spec, user: {uid: user.uid, gid: user.gid}} : spec));
	const specs = withFingerprints([...builtinDaemons(config, instanceDirectory, {server: flags.server, debug: flags.debug, ampnodePorts: ports, ...(user ? {runAs: user} : {})}), ...extras], {instanceDirectory}).map(spec =>
		adoptChanged().includes(spec.name) ? {...spec, adoptEvenIfChanged: true} : spec,
	);
	dependencyLevels(specs);
	await prepareRunDirectories(config);
	const nginxConfigChanged = specs.some(spec => spec.name === 'nginx') && writeRunNginxConfig(config, instanceDirectory, ports);
	// An nginx a killed supervisor left (adopted by this run) reloads onto ampnodes that moved; in a hand-over, the deploy reloads it.
	if (nginxConfigChanged && !handingOver && !supervised) reloadLeftNginx(paths.pids);
	if (user) await grantDaemonAccess(config, instanceDirectory, user);
	return {
		config,
		plan: {
			instanceDirectory,
			flags,
			paths,
			info: {instance: config.name, instanceDirectory, frontendUrl: frontendUrl(config), supervisorPid: process.pid},
			specs,
			remote: remoteTargets(config, flags.server),
		},
	};
}

