import {spawn} from 'node:child_process';
import path from 'node:path';
import type {InstanceConfig} from '../../../services/config/amprun.js';
import {runPaths} from '../../../services/config/paths.js';
import {daemonDataDirectory} from '../../../services/daemons/prepare.js';
import {AmpError} from '../../../services/errors.js';
import {giveDirectoryTo, initCluster, postgresArgs, postgresqlOsUser, postgresqlProgram} from '../../../services/postgresql/cluster.js';
import {createLogger} from '../shared/logger.js';

/**
 * `ampzero daemon postgresql INSTANCE`: the PostgreSQL zerodata uses when amprun.yaml says
 * `zerodata: {engine: postgresql}` without a URL. Makes the cluster on first start (initdb into
 * `<root>/data/postgresql/cluster`), then runs `postgres` in the foreground (as the `postgres` user when
 * run as root) with no TCP listener: only the unix socket in `<root>/data/postgresql/socket/`. SIGTERM or
 * SIGINT asks PostgreSQL for a fast shutdown and returns with its exit code.
 */
export async function runDaemon(_instanceDirectory: string, config: InstanceConfig, options: {debug: boolean}): Promise<void> {
	const logger = createLogger('postgresql', {debug: options.debug});
	if (config.zerodataStorage?.engine !== 'postgresql' || config.zerodataStorage.postgresqlUrl !== undefined) {
		throw new AmpError('this instance does not ask for its own PostgreSQL: set `zerodata: {engine: postgresql}` (without postgresql_url) in amprun.yaml');
	}
	const paths = runPaths(config);
	const ownDirectory = daemonDataDirectory(config, 'postgresql');
	// The cluster and its staging copy live inside the daemon's own directory: it may create them there.
	const dataDirectory = path.join(ownDirectory, 'cluster');
	const user = postgresqlOsUser();
	// The instance's own directories let the postgres user through by group, never "others".
	giveDirectoryTo(ownDirectory, user, [paths.root, paths.data]);
	giveDirectoryTo(paths.postgresqlSocketDirectory, user, []);
	if (await initCluster(dataDirectory, user)) logger.info(`created the database cluster in ${dataDirectory}`);
	// child_process, not execa: postgres is the long-lived server this daemon wraps; its output goes straight through.
	const child = spawn(postgresqlProgram('postgres'), postgresArgs(dataDirectory, paths.postgresqlSocketDirectory), {
		stdio: ['ignore', 'inherit', 'inherit'],
		cwd: dataDirectory,
		...(user !== undefined ? {uid: user.uid, gid: user.gid} : {}),
	});
	const stop = (signal: NodeJS.Signals): void => {
		logger.info(`${signal}: asking PostgreSQL for a fast shutdown`);
		child.kill('SIGINT');
	};
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
	const exit = await new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve, reject) => {
		child.once('error', error => reject(new AmpError(`cannot start postgres: ${error.message}`)));
		child.once('exit', (code, signal) => resolve({code, signal}));
	});
	if (exit.code !== 0) {
		logger.error(`postgres ended with ${exit.signal ?? `exit code ${exit.code}`}`);
		process.exitCode = 1;
	}
}
