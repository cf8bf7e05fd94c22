import {readFileSync} from 'node:fs';
import path from 'node:path';
import {parseYaml} from '../../../services/config/yaml-text.js';
import type {InstanceConfig} from '../../../services/config/amprun.js';
import {runPaths} from '../../../services/config/paths.js';
import {sharedDaemonListen} from '../../../services/config/placement.js';
import {AmpError} from '../../../services/errors.js';
import {socketUrl} from '../../../services/postgresql/cluster.js';
import {createLogger} from '../shared/logger.js';
import {serveUntilSignal} from '../shared/signals.js';
import type {Synchronous} from './entity-store.js';
import {instanceSigners} from '../shared/instance-keys.js';
import {startZerodata, type ZerodataEngine} from './server.js';
import {defaultMaxWalBytes} from './checkpointer.js';

export {startZerodata} from './server.js';

/**
 * `ampzero daemon zerodata INSTANCE`: accepts requests signed for this instance by its members
 * (ampnode/members.json), each with the key the instance's hub holds for it; serves until SIGTERM.
 */
export async function runDaemon(instanceDirectory: string, config: InstanceConfig, options: {debug: boolean}): Promise<void> {
	const logger = createLogger('zerodata', {debug: options.debug});
	const zerodata = await startZerodata({
		...sharedDaemonListen(config),
		port: config.ports.zerodata,
		directory: path.join(runPaths(config).data, 'zerodata'),
		engine: zerodataEngine(config, instanceDirectory),
		...instanceSigners(instanceDirectory, config, logger),
		logger,
	});
	await serveUntilSignal(zerodata, logger);
}

/** The engine amprun.yaml names; PostgreSQL without a URL is the one `ampzero run` starts for the instance. */
export function zerodataEngine(config: InstanceConfig, instanceDirectory: string): ZerodataEngine {
	const storage = config.zerodataStorage;
	if (storage?.engine === 'postgresql') {
		return {engine: 'postgresql', url: storage.postgresqlUrl ?? socketUrl(runPaths(config).postgresqlSocketDirectory)};
	}
	return {engine: 'sqlite', ...readSettings(path.join(instanceDirectory, 'zerodata', 'zerodata.yaml'))};
}

/** `synchronous: normal | full` and `max_wal_bytes` from the optional `zerodata/zerodata.yaml`. */
function readSettings(file: string): {synchronous: Synchronous; maxWalBytes: number} {
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {synchronous: 'normal', maxWalBytes: defaultMaxWalBytes};
		throw new AmpError(`cannot read ${file}: ${(error as Error).message}`);
	}
	const document = parseYaml(text, file, {hint: 'fix the file or delete it to use the defaults'});
	const settings = document as Record<string, unknown> | null;
	const value = settings?.['synchronous'] ?? 'normal';
	if (value !== 'normal' && value !== 'full') throw new AmpError(`${file}: synchronous must be "normal" or "full", not "${String(value)}"`);
	const maxWalBytes = settings?.['max_wal_bytes'] ?? defaultMaxWalBytes;
	if (typeof maxWalBytes !== 'number' || !Number.isInteger(maxWalBytes) || maxWalBytes < 65536) throw new AmpError(`${file}: max_wal_bytes must be a whole number of at least 65536`);
	return {synchronous: value, maxWalBytes};
}
