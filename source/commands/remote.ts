import path from 'node:path';
import {prepareInstanceRelease} from '../../services/deploy/prepare-instance.js';
import {UsageError} from '../../services/errors.js';

/** `ampzero remote STEP …`: what a deploy asks of the ampzero release it just unpacked on a host. Hidden from --help. */
export async function remoteCommand(step: string, argument: string, options: Record<string, unknown>): Promise<number> {
	if (step !== 'prepare-instance') throw new UsageError(`unknown remote step "${step}"`);
	const amprunRoot = options['amprunRoot'];
	if (typeof amprunRoot !== 'string' || !amprunRoot.startsWith('/')) throw new UsageError('--amprun-root must be an absolute path');
	const changed = await prepareInstanceRelease(path.resolve(argument), amprunRoot);
	process.stdout.write(`${JSON.stringify({prepared: changed})}\n`);
	return 0;
}
