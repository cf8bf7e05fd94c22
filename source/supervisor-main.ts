import {writeFileSync} from 'node:fs';
import {AmpError, errorMessage} from '../services/errors.js';
import {serveControlSocket} from '../services/supervisor/control-server.js';
import {acquireSupervisorLock, releaseSupervisorLock} from '../services/supervisor/lock.js';
import {adoptableGroups, endLeftovers} from '../services/supervisor/pid-files.js';
import {PortsBusyError} from '../services/supervisor/port-holders.js';
import {readPlan} from '../services/supervisor/plan-file.js';
import {outgoingGroups} from '../services/supervisor/outgoing-daemons.js';
import {Supervisor} from '../services/supervisor/supervisor.js';

/** Exit code when another supervisor already holds the instance's lock: `run` attaches to that one. */
export const lockHeldExitCode = 3;

/**
 * The daemonised supervisor: `node supervisor-main.js <plan.json>`, started by `ampzero run` in
 * its own session. Runs the plan's daemons and serves the control socket until stop or quit.
 * Its stdout and stderr go to `<root>/supervisor.log`.
 */
async function main(planPath: string): Promise<number> {
	const plan = readPlan(planPath);
	const {paths} = plan;
	// The terminal that started us may close; only stop, quit or SIGTERM end the run.
	process.on('SIGHUP', () => {});
	// stdout and stderr are supervisor.log: a full disk must not end the supervisor through them.
	process.stdout.on('error', () => {});
	process.stderr.on('error', () => {});
	if (!acquireSupervisorLock(paths)) return lockHeldExitCode;
	try {
		// What a killed supervisor left and this run can adopt keeps running (and a deploy's outgoing ampnodes); the rest of it is ended.
		const ended = await endLeftovers(paths.pids, 2000, new Set([...adoptableGroups(paths.pids, plan.specs), ...outgoingGroups(paths.pids)]));
		if (ended.length > 0) process.stderr.write(`ended processes a previous supervisor left: ${ended.map(record => `${record.daemon} (pid ${record.pid})`).join(', ')}\n`);
		const supervisor = new Supervisor({specs: plan.specs, files: paths, info: {...plan.info, supervisorPid: process.pid}, ...(plan.remote ? {remote: plan.remote} : {})});
		const server = await serveControlSocket(supervisor, paths.supervisorSocket);
		writeFileSync(paths.supervisorPid, `${process.pid}\n`);
		const stopGracefully = (): void => void supervisor.stopAll();
		process.on('SIGTERM', stopGracefully);
		process.on('SIGINT', stopGracefully);
		const started = supervisor.start();
		// Loaded while the daemons start, not before them: the NAT mapping and the hub announce go
		// on beside start-up (never delaying it); the login link and the announce follow all-ready.
		const reachability = Promise.all([import('../services/supervisor/reachability.js'), import('../services/config/placement.js')]).then(
			async ([{startReachability}, {loadRunConfig}]) => startReachability(supervisor, await loadRunConfig(plan.instanceDirectory), plan.instanceDirectory, plan.flags),
		);
		reachability.catch((error: unknown) => supervisor.notice(`NAT and hub: ${errorMessage(error)}`));
		started.then(
			async outcome => {
				if (outcome.ok) await (await reachability).ready();
			},
			async (error: unknown) => {
				await (await reachability.catch(() => undefined))?.stop();
				supervisor.abort(error instanceof PortsBusyError ? error.daemon : '', errorMessage(error), error instanceof AmpError ? [...error.details] : []);
			},
		).catch(() => {});
		const reason = await supervisor.exited;
		releaseSupervisorLock(paths);
		await closeServer(server);
		return reason === 'failed' ? 1 : 0;
	} catch (error) {
		releaseSupervisorLock(paths);
		throw error;
	}
}

/** Lets watchers read the last events (supervisor-exit) before the process ends. */
function closeServer(server: import('node:net').Server): Promise<void> {
	return new Promise(resolve => {
		const timer = setTimeout(resolve, 500);
		server.close(() => {
			clearTimeout(timer);
			resolve();
		});
	});
}

const planPath = process.argv[2];
if (!planPath) {
	process.stderr.write('usage: supervisor-main.js <plan.json> (started by `ampzero run`)\n');
	process.exitCode = 2;
} else {
	main(planPath).then(
		code => process.exit(code),
		error => {
			process.stderr.write(`supervisor failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
			process.exit(1);
		},
	);
}
