import path from 'node:path';
import {parseTarget, loadDeploymentConfig} from '../../services/deploy/config.js';
import {UsageError} from '../../services/errors.js';
import {resolveInstanceDirectory} from '../../services/instance/locate.js';
import {checkoutDirectory} from '../../services/system/checkout.js';
import {isInteractive} from '../interactive.js';
import {createBatchOutput, type BatchOutput} from '../output.js';

/** `ampzero deploy NAME [status]`. */
export async function deployCommand(name: string, action: string | undefined, options: Record<string, unknown>): Promise<number> {
	if (action !== undefined && action !== 'status') throw new UsageError(`unknown action "${action}": use \`ampzero deploy ${name}\` or \`ampzero deploy ${name} status\``);
	const parallel = Number(options['parallel'] ?? 30);
	if (!Number.isInteger(parallel) || parallel < 1 || parallel > 1000) throw new UsageError(`--parallel must be a whole number from 1 to 1000, not "${String(options['parallel'])}"`);
	const only = (options['host'] as string[] | undefined) ?? [];
	for (const target of only) if (!parseTarget(target)) throw new UsageError(`--host ${target}: expected USER@HOST or USER@HOST:PORT`);
	const rollback = Boolean(options['rollback']);
	const dryRun = Boolean(options['dryRun']);
	if (action === 'status' && (rollback || dryRun || options['forceUnlock'])) throw new UsageError('status takes no --rollback, --dry-run or --force-unlock');
	const instanceDirectory = resolveInstanceDirectory(name);
	const configFile = typeof options['config'] === 'string' ? path.resolve(options['config']) : path.join(instanceDirectory, 'deployment.yaml');
	// Bad YAML or an unknown key stops here, before anything connects.
	const config = await loadDeploymentConfig(configFile);
	// deployment.yaml's hosts and amprun.yaml's hosts: must be one list, also before anything connects.
	const [{loadInstanceConfig}, {linkHosts}] = await Promise.all([import('../../services/config/amprun.js'), import('../../services/deploy/host-link.js')]);
	linkHosts(config, await loadInstanceConfig(instanceDirectory), instanceDirectory);
	const out = createBatchOutput({json: Boolean(options['json'])});
	const {sshConnector} = await import('../../services/deploy/ssh-connect.js');
	const connect = sshConnector(config.ssh);

	if (action === 'status') {
		const {deployStatus} = await import('../../services/deploy/status.js');
		return printStatus(await deployStatus({instanceDirectory, config, only, parallel, connect}), out);
	}

	const {runDeploy} = await import('../../services/deploy/engine.js');
	const run = runDeploy({
		instanceDirectory,
		checkout: checkoutDirectory,
		config,
		only,
		dryRun,
		rollback,
		forceUnlock: Boolean(options['forceUnlock']),
		parallel,
		connect,
	});
	const abort = (): void => run.abort('aborted by the user');
	let code: number;
	if (isInteractive({batch: Boolean(options['batch'])})) {
		const {runDeployApp} = await import('../app/deploy-app.js');
		code = await runDeployApp(run.events(), abort, {instance: name});
	} else {
		const {printDeploy, printDeployPlan} = await import('../deploy-output.js');
		if (dryRun) {
			for await (const event of run.events()) if (event.type === 'deploy-plan') printDeployPlan(event.plan, out);
			code = 0;
		} else {
			code = await printDeploy(run.events(), out, {abort});
		}
	}
	const result = await run.done;
	if (result.error) throw result.error;
	if (result.ok) return code;
	// 3: a host could not be put back as it was (the summary says which, and what to do).
	return result.rollbackFailed ? 3 : 1;
}

function printStatus(hosts: Array<Record<string, unknown> & {host: string; line: string}>, out: BatchOutput): number {
	let ok = true;
	for (const host of hosts) {
		const {line, ...record} = host;
		out.event({type: 'host-status', ...record}, line);
		if (record['error']) ok = false;
	}
	return ok ? 0 : 1;
}
