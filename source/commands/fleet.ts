import path from 'node:path';
import {loadInstanceConfig} from '../../services/config/amprun.js';
import {shellQuote} from '../../services/deploy/agent-client.js';
import {loadDeploymentConfig, parseTarget} from '../../services/deploy/config.js';
import {UsageError} from '../../services/errors.js';
import {chooseHosts, type Fleet} from '../../services/fleet/fleet-hosts.js';
import {resolveInstanceDirectory} from '../../services/instance/locate.js';
import {isInteractive} from '../interactive.js';
import {onInterrupts} from '../interrupts.js';
import {createBatchOutput} from '../output.js';

const actions = ['watch', 'logs', 'exec', 'history', 'maintenance'] as const;
type Action = (typeof actions)[number];

/** `ampzero fleet NAME [watch|logs DAEMON|exec -- COMMAND|history|maintenance on|off]`. */
export async function fleetCommand(name: string, action: string | undefined, words: string[], options: Record<string, unknown>): Promise<number> {
	const chosen = (action ?? 'watch') as Action;
	if (!actions.includes(chosen)) throw new UsageError(`unknown action "${action}": use watch (the default), logs DAEMON, exec -- COMMAND, history or maintenance on|off`);
	const parallel = Number(options['parallel'] ?? 10);
	if (!Number.isInteger(parallel) || parallel < 1 || parallel > 1000) throw new UsageError(`--parallel must be a whole number from 1 to 1000, not "${String(options['parallel'])}"`);
	const tail = Number(options['tail'] ?? 50);
	if (!Number.isInteger(tail) || tail < 0) throw new UsageError(`--tail must be a whole number of lines, not "${String(options['tail'])}"`);
	const only = (options['host'] as string[] | undefined) ?? [];
	for (const target of only) if (!parseTarget(target)) throw new UsageError(`--host ${target}: expected USER@HOST or USER@HOST:PORT, as deployment.yaml names it`);
	if (chosen === 'logs' && words.length !== 1) throw new UsageError('say whose log: ampzero fleet NAME logs DAEMON [--host H] [--tail N] [--follow]');
	if (chosen === 'exec' && words.length === 0) throw new UsageError('say what to run: ampzero fleet NAME exec [--host H] [--parallel N] -- COMMAND');
	if (chosen === 'maintenance' && (words.length !== 1 || !['on', 'off'].includes(words[0]!))) throw new UsageError('ampzero fleet NAME maintenance on|off [--host H]');
	if ((chosen === 'watch' || chosen === 'history') && words.length > 0) throw new UsageError(`${chosen} takes no more words (got "${words.join(' ')}")`);

	const instanceDirectory = resolveInstanceDirectory(name);
	const configFile = typeof options['config'] === 'string' ? path.resolve(options['config']) : path.join(instanceDirectory, 'deployment.yaml');
	const config = await loadDeploymentConfig(configFile);
	const instanceConfig = await loadInstanceConfig(instanceDirectory);
	const {sshConnector} = await import('../../services/deploy/ssh-connect.js');
	const fleet: Fleet = {instanceDirectory, instanceName: instanceConfig.name, config, hosts: chooseHosts(config, only), parallel, connect: sshConnector(config.ssh)};
	const out = createBatchOutput({json: Boolean(options['json'])});
	const width = Math.max(...fleet.hosts.map(host => host.label.length));
	if (chosen === 'watch' && isInteractive({batch: Boolean(options['batch'])})) {
		const [{runFleetApp}, {watchFleet}] = await Promise.all([import('../app/fleet-app.js'), import('../../services/fleet/fleet-watch.js')]);
		return runFleetApp(watchFleet(fleet), {instance: instanceConfig.name, hosts: fleet.hosts.map(host => host.label)});
	}
	const stopper = new AbortController();
	const stopListening = onInterrupts({first: () => stopper.abort(), again: () => process.exit(130)});
	try {
		switch (chosen) {
			case 'watch': {
				const {printFleetEvents} = await import('../fleet-output.js');
				return await printFleetEvents(fleet, out, stopper.signal);
			}
			case 'logs': {
				const {logsEverywhere} = await import('../../services/fleet/logs-everywhere.js');
				const ok = await logsEverywhere(fleet, words[0]!, {tail, follow: Boolean(options['follow']), signal: stopper.signal}, event => {
					if (event.type === 'log-line') out.event(event, `${event.host.padEnd(width)} | ${event.line}`);
					else out.error(`${event.host}: ${event.error}`);
				});
				return ok ? 0 : 1;
			}
			case 'exec': {
				const {execEverywhere} = await import('../../services/fleet/exec-everywhere.js');
				// One word is a script for sh (`exec -- 'ls | wc -l'`); several are a command and its arguments, each kept as given.
				const command = words.length === 1 ? words[0]! : words.map(shellQuote).join(' ');
				const results = await execEverywhere(fleet, command, event => {
					if (event.type === 'output') out.event(event, `${event.host.padEnd(width)} | ${event.line}`);
				}, {signal: stopper.signal});
				const failed = results.filter(result => result.code !== 0);
				for (const result of results) out.event({type: 'host-end', ...result}, `${result.host.padEnd(width)}   ${result.code === 0 ? 'ok' : result.code === null ? `failed: ${result.error}` : `exit ${result.code}`} (${(result.ms / 1000).toFixed(1)} s)`);
				out.event({type: 'summary', hosts: results.length, failed: failed.map(result => result.host)}, failed.length === 0 ? (results.length === 1 ? 'ok on the one host' : `ok on all ${results.length} hosts`) : `failed on ${failed.length} of ${results.length} hosts: ${failed.map(result => result.host).join(', ')}`);
				return failed.length === 0 ? 0 : 1;
			}
			case 'history': {
				const {readHistories} = await import('../../services/fleet/history.js');
				const {printHistories} = await import('../fleet-output.js');
				return printHistories(await readHistories(fleet), out);
			}
			case 'maintenance': {
				const {maintenanceOn, maintenanceOff} = await import('../../services/fleet/maintenance.js');
				const results = words[0] === 'on' ? await maintenanceOn(fleet) : await maintenanceOff(fleet);
				for (const result of results) out.event({type: 'maintenance', state: words[0], ...result}, `${result.host.padEnd(width)}   ${result.ok ? '' : 'failed: '}${result.text}`);
				return results.every(result => result.ok) ? 0 : 1;
			}
		}
	} finally {
		stopListening();
	}
}
