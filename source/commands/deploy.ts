import path from 'node:path';
import {parseTarget, loadDeploymentConfig, type DeploymentConfig} from '../../services/deploy/config.js';
import type {DeployEvent} from '../../services/deploy/events.js';
import {AmpError, UsageError} from '../../services/errors.js';
import {checkoutDirectory, resolveInstanceDirectory} from '../../services/instance/locate.js';
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
		checkout: process.env['AMPZERO_DEPLOY_CHECKOUT'] ? path.resolve(process.env['AMPZERO_DEPLOY_CHECKOUT']) : checkoutDirectory,
		config,
		only,
		dryRun,
		rollback,
		forceUnlock: Boolean(options['forceUnlock']),
		parallel,
		connect,
		...(process.env['AMPZERO_DEPLOY_FAULT'] ? {fault: process.env['AMPZERO_DEPLOY_FAULT']} : {}),
	});
	const onSignal = (signal: NodeJS.Signals): void => run.abort(`${signal} received`);
	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);
	try {
		if (isInteractive({batch: Boolean(options['batch'])})) await showDeployScreen(run, out, config);
		else await printEvents(run.events(), out, config);
		const result = await run.done;
		if (result.error instanceof AmpError) throw result.error;
		if (result.error) throw result.error;
		return result.ok ? 0 : 1;
	} finally {
		process.off('SIGINT', onSignal);
		process.off('SIGTERM', onSignal);
	}
}

/** The one place the interactive deploy screen is started: `runDeployApp(run.events(), run.abort)` from source/app/deploy-app.tsx. Until the screen lands, it prints the lines. */
async function showDeployScreen(run: {events(): AsyncIterable<DeployEvent>; abort(reason?: string): void}, out: BatchOutput, config: DeploymentConfig): Promise<void> {
	await printEvents(run.events(), out, config);
}

/** The minimal line printer of deploy events (`--json`: one event a line). */
async function printEvents(events: AsyncIterable<DeployEvent>, out: BatchOutput, config: DeploymentConfig): Promise<void> {
	for await (const event of events) {
		switch (event.type) {
			case 'deploy-plan': {
				const plan = event.plan;
				out.event(event, `${plan.kind} ${plan.instance}: ${plan.ampifyRelease || '-'} ${plan.instanceRelease || '-'} to ${plan.hosts.length} host(s) from ${config.file}; log ${plan.logFile}`);
				for (const host of plan.hosts) out.event({type: 'plan-host', ...host}, `  ${host.host}: ${host.transfer}, ${host.bytes} bytes; steps ${plan.steps.join(' → ')}`);
				break;
			}
			case 'step-end':
				out.event(event, `${event.host} ${event.step} ${event.ok ? 'ok' : 'FAILED'} ${event.ms} ms${event.bytes !== undefined ? ` ${event.bytes} bytes` : ''}${event.error ? `: ${event.error}` : ''}`);
				break;
			case 'host-output':
				out.event(event);
				if (/^(rollback:|! )/.test(event.line) || event.line.includes('sending it once more')) out.line(`${event.host} ${event.step}: ${event.line}`);
				break;
			case 'phase':
				out.event(event, `phase: ${event.phase}`);
				break;
			case 'deploy-end':
				out.event(event, `${event.ok ? 'done' : event.phase} in ${event.ms} ms${event.error ? `: ${event.error}` : ''}`);
				for (const host of event.hosts) out.line(`  ${host.host}: ${host.state}${host.release ? ` (${host.release})` : ''}`);
				if (!event.ok && event.error) out.error(`ampzero: deploy ${event.phase}: ${event.error}`);
				break;
			default:
				out.event(event);
		}
	}
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
