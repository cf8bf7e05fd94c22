import {Command, CommanderError, Option} from 'commander';
import {defaultPorts} from '../services/config/ports.js';
import {reportError} from './report-error.js';
import {version} from './version.js';

/**
 * The command line. Only commander and the flag tables load here: each command's module (and
 * with it Ink and React) is imported when that command runs, so `--help` stays fast.
 */
export function buildProgram(): Command {
	const program = new Command('ampzero')
		.description('Create, run and deploy Ampify Zero instances')
		.version(version, '-V, --version', 'print the version')
		.helpOption('-h, --help', 'show help')
		.showSuggestionAfterError(true)
		.enablePositionalOptions();

	const batchOptions = (command: Command): Command =>
		command
			.option('--batch', 'no full-screen app, no prompts: plain lines (implied when stdout is not a terminal)', false)
			.option('--json', 'with --batch, print JSON lines a program can read', false);

	batchOptions(
		program
			.command('init')
			.description('create a new instance: directory, keys, configs and a git repo')
			.argument('<NAME>', 'instance name (created beside the ampzero checkout) or a path such as ./NAME')
			.option('--clobber', 'regenerate the generated files of an existing instance; keys and your own files are kept', false)
			.option('--answers <FILE>', 'read the answers from a YAML file (same keys as amprun.yaml)')
			.option('--title <TEXT>', 'the instance title', 'My Ampify Zero instance')
			.option('--user-name <NAME>', "the user's name", '$USER')
			.option('--user-email <EMAIL>', "the user's email", '$USER@localhost')
			.option('--host-name <NAME>', 'the host name', 'localhost')
			.option('--frontend-port <PORT>', 'nginx HTTPS port', String(defaultPorts.frontend))
			.option('--http-port <PORT>', 'nginx HTTP port that redirects to HTTPS', String(defaultPorts.http))
			.option('--keyspace-client-port <PORT>', 'etcd client port', String(defaultPorts.keyspaceClient))
			.option('--keyspace-peer-port <PORT>', 'etcd peer port', String(defaultPorts.keyspacePeer))
			.option('--redis-live-port <PORT>', 'redis live (sessions, pub/sub) port', String(defaultPorts.redisLive))
			.option('--redis-data-port <PORT>', 'redis data (AOF) port', String(defaultPorts.redisData))
			.option('--logstore-port <PORT>', 'logstore HTTP port', String(defaultPorts.logstore))
			.option('--zerodata-port <PORT>', 'zerodata HTTP port', String(defaultPorts.zerodata))
			.option('--ampnode-ports <PORTS>', 'ampnode HTTP port(s), comma-separated', defaultPorts.ampnode.join(','))
			.option('--amprun-root <DIR>', 'amprun_root_directory: pid, log and data files', '/opt/ampzero/var')
			.option('--hub <URL>', '"embedded" (hub state on this machine) or the URL of a hub', 'embedded')
			.option('--hub-key <FINGERPRINT>', "the hub key's SHA256:… fingerprint (as `hub serve` prints it): init fails, making nothing, if the hub's key differs")
			.addOption(new Option('--setup <KIND>', 'single machine, or server (redis, ampnode, nginx only)').choices(['single', 'server']).default('single')),
	).action(async (name: string, options: Record<string, unknown>, command: Command) => {
		const {initCommand} = await import('./commands/init.js');
		// Which flags were typed (not defaults): only those override --answers and, with --clobber, amprun.yaml.
		process.exitCode = await initCommand(name, options, key => command.getOptionValueSource(key) === 'cli');
	});

	batchOptions(
		program
			.command('run')
			.description('start every daemon of an instance under a supervisor and open the dashboard')
			.argument('<NAME>', 'instance name or path')
			.argument('[ACTION]', 'start (default), stop, quit, status, logs, login (a one-time login link) or events (JSON lines, for programs)')
			.argument('[DAEMON]', 'with logs: the daemon whose log to print')
			.option('--no-daemon', 'keep the supervisor in the foreground: ^C stops everything (default: daemonise)')
			.option('--debug', 'start the daemons with debug logging; implies --no-daemon', false)
			.option('--no-hub', 'do not announce this host to the hub (default: announce)')
			.option('--no-nat-bypass', 'do not map the frontend port on a NAT router (default: map it)')
			.option('--server', 'start only redis, ampnode and nginx, against the addresses in amprun.yaml', false)
			.option('--as <HOST>', 'which host of amprun.yaml hosts: this machine is (default: the one with an address of this machine)')
			.option('--tail <N>', 'with logs: how many lines', '50')
			.option('--follow', 'with logs: keep printing new lines', false)
			.option('--keep <DAEMONS>', 'with stop: leave these daemons (comma-separated) running for the next run to adopt'),
	).action(async (name: string, action: string | undefined, daemon: string | undefined, options: Record<string, unknown>) => {
		const {runCommand} = await import('./commands/run.js');
		process.exitCode = await runCommand(name, action, daemon, options);
	});

	batchOptions(
		program
			.command('deploy')
			.description('ship the project and the instance to the hosts of deployment.yaml and switch them over')
			.argument('<NAME>', 'instance name or path')
			.argument('[ACTION]', 'status: each host\'s release, previous release, lock holder and HTTPS answer')
			.option('--host <USER@HOST...>', 'deploy only to these hosts, as deployment.yaml names them (user@host or user@host:port; repeatable)')
			.option('--config <FILE>', 'use this file instead of the instance deployment.yaml')
			.option('--dry-run', 'print the plan (hosts × steps, patch or full, bytes) and change nothing', false)
			.option('--rollback', 'switch every host back to its previous release', false)
			.option('--force-unlock', 'remove a stale lock-file left by a deploy that is gone', false)
			.option('--parallel <N>', 'SSH connections at once', '30'),
	).action(async (name: string, action: string | undefined, options: Record<string, unknown>) => {
		const {deployCommand} = await import('./commands/deploy.js');
		process.exitCode = await deployCommand(name, action, options);
	});

	batchOptions(
		program
			.command('fleet')
			.description('every host of a deployed instance at once: watch, logs, a command, history, maintenance')
			.argument('<NAME>', 'instance name or path')
			.argument('[ACTION]', 'watch (default), logs DAEMON, exec -- COMMAND, history, maintenance on|off')
			.argument('[WORDS...]', 'the daemon (logs), the command (exec, after --), on or off (maintenance)')
			.option('--host <USER@HOST...>', 'only these hosts, as deployment.yaml names them (repeatable)')
			.option('--config <FILE>', 'use this file instead of the instance deployment.yaml')
			.option('--parallel <N>', 'hosts worked on at once (exec, history, maintenance)', '10')
			.option('--tail <N>', 'with logs: how many lines from each host', '50')
			.option('--follow', 'with logs: keep printing new lines', false),
	).action(async (name: string, action: string | undefined, words: string[], options: Record<string, unknown>) => {
		const {fleetCommand} = await import('./commands/fleet.js');
		process.exitCode = await fleetCommand(name, action, words, options);
	});

	program
		.command('remote', {hidden: true})
		.description('steps a deploy runs on a host with the release it unpacked there')
		.argument('<STEP>', 'prepare-instance, daemons or restart-keyspace')
		.argument('<DIRECTORY>', 'the unpacked instance release')
		.option('--amprun-root <DIR>', 'prepare-instance: the amprun root on this host')
		.option('--lives-at <DIR>', 'the path the daemons are given for the instance once it is switched to (the dist/instance link)')
		.option('--server', 'daemons: the host runs as with run --server', false)
		.option('--compare-daemons', 'prepare-instance: then say what daemons says, from the same process', false)
		.option('--timeout-ms <MS>', 'restart-keyspace: how long the member may take to be healthy again', '60000')
		.action(async (step: string, directory: string, options: Record<string, unknown>) => {
			const {remoteCommand} = await import('./commands/remote.js');
			process.exitCode = await remoteCommand(step, directory, options);
		});

	const hub = program.command('hub').description('the hub: assigns ids and signs public keys');
	hub
		.command('serve')
		.description('serve a hub over HTTP or HTTPS')
		.option('--port <PORT>', 'port to listen on', '8050')
		.option('--host <ADDRESS>', 'address to listen on', '127.0.0.1')
		.option('--state <DIR>', 'directory for the hub state', '~/.ampzero/hub')
		.option('--https', 'serve HTTPS; without --cert/--key, with a self-signed certificate kept in the state directory', false)
		.option('--cert <FILE>', 'TLS certificate (PEM) for HTTPS; implies --https')
		.option('--key <FILE>', 'TLS private key (PEM) for HTTPS')
		.option('--register-limit <N>', 'registrations one address may make per minute', '10')
		.option('--register-limit-total <N>', 'registrations from everyone per minute', '1000')
		.option('--connections-per-address <N>', 'open connections one address may hold (more are closed as they open)', '32')
		.action(async (options: Record<string, unknown>) => {
			const {hubServeCommand} = await import('./commands/hub.js');
			process.exitCode = await hubServeCommand(options);
		});
	batchOptions(
		hub
			.command('update')
			.description("rotate an identity's public key (signed with its control key)")
			.argument('<NAME>', 'instance name or path')
			.addOption(new Option('--identity <KIND>', 'which identity').choices(['user', 'host']).default('host')),
	).action(async (name: string, options: Record<string, unknown>) => {
		const {hubUpdateCommand} = await import('./commands/hub.js');
		process.exitCode = await hubUpdateCommand(name, options);
	});

	batchOptions(
		hub
			.command('lookup')
			.description('where a host last said it can be reached (its signed announce)')
			.argument('<HOST-ID>', "the host's id, as in host-ID.public.key")
			.option('--hub <URL>', '"embedded" (the hub state on this machine) or the URL of a hub', 'embedded')
			.option('--hub-key <FINGERPRINT>', "the hub key's SHA256:… fingerprint: refuse an answer from a hub with another key"),
	).action(async (hostId: string, options: Record<string, unknown>) => {
		const {hubLookupCommand} = await import('./commands/hub.js');
		process.exitCode = await hubLookupCommand(hostId, options);
	});

	batchOptions(
		program
			.command('members')
			.description('list, add or remove the hosts allowed to use the instance (ampnode/members.json, signed by your user key)')
			.argument('<NAME>', 'instance name or path')
			.argument('[ACTION]', 'list (default), add or remove')
			.argument('[HOST-ID]', "with add and remove: the host's id, as in host-ID.public.key")
			.option('--name <NAME>', 'with add: a name for the host, for people reading the list'),
	).action(async (name: string, action: string | undefined, hostId: string | undefined, options: Record<string, unknown>) => {
		const {membersCommand} = await import('./commands/members.js');
		process.exitCode = await membersCommand(name, action, hostId, options);
	});

	program
		.command('daemon')
		.description('run one daemon of an instance in the foreground (what `run` supervises)')
		.argument('<DAEMON>', 'logstore, zerodata, ampnode or postgresql')
		.argument('<NAME>', 'instance name or path')
		.option('--port <PORT>', 'for ampnode: which of ampnode_ports to serve')
		.option('--debug', 'debug logging', false)
		.action(async (daemon: string, name: string, options: Record<string, unknown>) => {
			const {daemonCommand} = await import('./commands/daemon.js');
			process.exitCode = await daemonCommand(daemon, name, options);
		});

	return program;
}

/** Runs the CLI; sets `process.exitCode` (0 success, 1 failure, 2 usage). */
export async function main(argv: string[]): Promise<void> {
	const program = buildProgram();
	for (const command of [program, ...allSubcommands(program)]) {
		command.exitOverride().configureOutput({
			outputError: (text, write) => write(`ampzero: ${text.replace(/^error: /, '')}`),
		});
	}
	try {
		await program.parseAsync(argv, {from: 'user'});
	} catch (error) {
		process.exitCode = handleError(error, program, argv);
	}
}

function allSubcommands(command: Command): Command[] {
	return command.commands.flatMap(child => [child, ...allSubcommands(child)]);
}

function handleError(error: unknown, program: Command, argv: string[]): number {
	if (error instanceof CommanderError) {
		if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
		const command = findCommand(program, argv);
		process.stderr.write(`Usage: ${commandPath(command)} ${command.usage()}\n`);
		return 2;
	}
	return reportError(error, 'ampzero');
}

function findCommand(program: Command, argv: string[]): Command {
	let command = program;
	for (const word of argv) {
		const child = command.commands.find(c => c.name() === word);
		if (!child) break;
		command = child;
	}
	return command;
}

function commandPath(command: Command): string {
	const names: string[] = [];
	for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
	return names.join(' ');
}
