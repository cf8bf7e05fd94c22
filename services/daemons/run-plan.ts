import type {InstanceConfig} from '../config/amprun.js';
import {loadRunConfig} from '../config/placement.js';
import {runPaths} from '../config/paths.js';
import {builtinDaemons} from './builtin.js';
import {grantDaemonAccess} from './daemon-access.js';
import {daemonUser} from './daemon-user.js';
import {extraDaemons} from './extra.js';
import {withFingerprints} from './fingerprint.js';
import {remoteTargets} from './remote.js';
import {prepareRunDirectories} from './prepare.js';
import {frontendUrl} from '../config/urls.js';
import type {RunFlags, RunPlan} from '../supervisor/plan-file.js';
import {dependencyLevels} from '../supervisor/topology.js';

export {planFile, readPlan, supervisorLogFile, writePlan, type RunFlags, type RunPlan} from '../supervisor/plan-file.js';

/**
 * Set by a deploy for `run`: daemons whose config changed that the new supervisor still adopts, because
 * the deploy restarts them itself, one host at a time (the keyspace members, keeping quorum).
 */
export const adoptChangedVariable = 'AMPZERO_ADOPT_CHANGED';

function adoptChanged(): string[] {
	return (process.env[adoptChangedVariable] ?? '').split(',').filter(Boolean);
}

export async function planRun(instanceDirectory: string, given: RunFlags): Promise<{config: InstanceConfig; plan: RunPlan}> {
	const config = await loadRunConfig(instanceDirectory);
	// A server host of `hosts:` runs as with --server (no NAT mapping either), flag or not.
	const flags = config.placement?.host.server ? {...given, server: true} : given;
	const user = daemonUser();
	const extras = extraDaemons(config, instanceDirectory).map(spec => (user ? {...spec, user: {uid: user.uid, gid: user.gid}} : spec));
	const specs = withFingerprints([...builtinDaemons(config, instanceDirectory, {server: flags.server, debug: flags.debug, ...(user ? {runAs: user} : {})}), ...extras], {instanceDirectory}).map(spec =>
		adoptChanged().includes(spec.name) ? {...spec, adoptEvenIfChanged: true} : spec,
	);
	dependencyLevels(specs);
	await prepareRunDirectories(config);
	if (user) await grantDaemonAccess(config, instanceDirectory, user);
	const paths = runPaths(config);
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

