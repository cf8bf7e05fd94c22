import {UsageError} from '../../services/errors.js';
import {runProjectDaemon, type DaemonModule} from '../commands/daemon.js';
import {reportError} from '../report-error.js';

/**
 * The start of a daemon's own bundle (dist/source/daemons/NAME.bundle.js, made by the build):
 * `node NAME.bundle.js INSTANCE [--port N] [--debug]` does what `ampzero daemon NAME INSTANCE …`
 * does, without loading the command line's parser and every other command first. One module file
 * instead of some hundred halves a node daemon's start (ampnode: 100 → 40 ms of loading), and a
 * run starts three of them at once.
 */
export async function runDaemonEntry(name: string, module: DaemonModule, argv: readonly string[]): Promise<void> {
	try {
		const {instance, options} = parseArguments(argv);
		process.exitCode = await runProjectDaemon(module, instance, options);
	} catch (error) {
		process.exitCode = reportError(error, `ampzero daemon ${name}`);
	}
}

/** The arguments the supervisor gives (services/daemons/builtin.ts): the instance, then `--port N` and `--debug`. */
function parseArguments(argv: readonly string[]): {instance: string; options: Record<string, unknown>} {
	const [instance, ...rest] = argv;
	if (instance === undefined || instance.startsWith('-')) throw new UsageError('usage: node DAEMON.bundle.js INSTANCE [--port N] [--debug]');
	const options: Record<string, unknown> = {};
	for (let index = 0; index < rest.length; index++) {
		const argument = rest[index];
		if (argument === '--debug') options['debug'] = true;
		else if (argument === '--port' && rest[index + 1] !== undefined) options['port'] = rest[++index];
		else throw new UsageError(`unknown argument "${argument}": usage: node DAEMON.bundle.js INSTANCE [--port N] [--debug]`);
	}
	return {instance, options};
}
