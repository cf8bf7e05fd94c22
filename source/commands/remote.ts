import path from 'node:path';
import {prepareInstanceRelease} from '../../services/deploy/prepare-instance.js';
import {UsageError} from '../../services/errors.js';

const steps = ['prepare-instance', 'daemons', 'restart-keyspace'] as const;

/**
 * `ampzero remote STEP DIRECTORY …`: what a deploy asks of the ampzero release it unpacked on a host.
 * Hidden from --help. Each prints one JSON line.
 * - prepare-instance: make the unpacked instance release right for this host's paths (with
 *   --compare-daemons, then what daemons says: a deploy's set-up saves its placeholder step a start).
 * - daemons: how the daemons that keep state in that release compare with those running (kept or restarted),
 *   and whether it can take over the frontend without the placeholder (`handOver`).
 * - restart-keyspace: restart this host's keyspace member and wait until the cluster has its quorum.
 */
/** How the daemons that keep state in the release at `directory` compare with those running, and whether it can hand the frontend over. */
async function compareDaemons(directory: string, livesAt: string, server: boolean): Promise<{daemons: unknown; handOver: boolean}> {
	const {compareWithRunning} = await import('../../services/deploy/host-daemons.js');
	return compareWithRunning(directory, livesAt, server);
}

export async function remoteCommand(step: string, argument: string, options: Record<string, unknown>): Promise<number> {
	if (!(steps as readonly string[]).includes(step)) throw new UsageError(`unknown remote step "${step}"`);
	const directory = path.resolve(argument);
	const livesAt = typeof options['livesAt'] === 'string' ? path.resolve(options['livesAt']) : directory;
	let result: unknown;
	if (step === 'prepare-instance') {
		const amprunRoot = options['amprunRoot'];
		if (typeof amprunRoot !== 'string' || !amprunRoot.startsWith('/')) throw new UsageError('--amprun-root must be an absolute path');
		result = {prepared: await prepareInstanceRelease(directory, amprunRoot, livesAt), ...(options['compareDaemons'] ? await compareDaemons(directory, livesAt, Boolean(options['server'])) : {})};
	} else if (step === 'daemons') {
		result = await compareDaemons(directory, livesAt, Boolean(options['server']));
	} else {
		const {restartKeyspaceMember} = await import('../../services/deploy/host-daemons.js');
		result = await restartKeyspaceMember(directory, Number(options['timeoutMs'] ?? 60_000), line => process.stderr.write(`${line}\n`));
	}
	process.stdout.write(`${JSON.stringify(result)}\n`);
	return 0;
}
