import {readFileSync} from 'node:fs';
import path from 'node:path';
import {parseYaml} from '../../../services/config/yaml-text.js';
import type {InstanceConfig} from '../../../services/config/amprun.js';
import {runPaths} from '../../../services/config/paths.js';
import {sharedDaemonListen} from '../../../services/config/placement.js';
import {AmpError} from '../../../services/errors.js';
import {instanceSigners} from '../shared/instance-keys.js';
import {createLogger} from '../shared/logger.js';
import {serveUntilSignal} from '../shared/signals.js';
import {defaultMaxSegmentBytes, defaultMaxSegments, startLogstore} from './server.js';

export {startLogstore} from './server.js';

/** `ampzero daemon logstore INSTANCE`: accepts requests signed like zerodata's; serves until SIGTERM, then finishes in-flight appends and returns. */
export async function runDaemon(instanceDirectory: string, config: InstanceConfig, options: {debug: boolean}): Promise<void> {
	const logger = createLogger('logstore', {debug: options.debug});
	const settings = readSettings(path.join(instanceDirectory, 'logstore', 'logstore.yaml'));
	const logstore = await startLogstore({
		...sharedDaemonListen(config),
		port: config.ports.logstore,
		directory: path.join(runPaths(config).data, 'logstore'),
		maxSegmentBytes: settings.maxSegmentBytes,
		maxSegments: settings.maxSegments,
		...instanceSigners(instanceDirectory, config, logger),
		logger,
	});
	await serveUntilSignal(logstore, logger);
}

/** Optional `logstore/logstore.yaml` settings; a missing file means the defaults. */
function readSettings(file: string): {maxSegmentBytes: number; maxSegments: number} {
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {maxSegmentBytes: defaultMaxSegmentBytes, maxSegments: defaultMaxSegments};
		throw new AmpError(`cannot read ${file}: ${(error as Error).message}`);
	}
	const document = parseYaml(text, file, {hint: 'fix the file or delete it to use the defaults'});
	const settings = document as Record<string, unknown> | null;
	const whole = (name: string, fallback: number, least: number): number => {
		const value = settings?.[name];
		if (value === undefined) return fallback;
		if (typeof value !== 'number' || !Number.isInteger(value) || value < least) throw new AmpError(`${file}: ${name} must be a whole number of at least ${least}`);
		return value;
	};
	return {maxSegmentBytes: whole('max_segment_bytes', defaultMaxSegmentBytes, 4096), maxSegments: whole('max_segments', defaultMaxSegments, 2)};
}
