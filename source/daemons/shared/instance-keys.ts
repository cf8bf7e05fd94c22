import path from 'node:path';
import type {InstanceConfig} from '../../../services/config/amprun.js';
import {openHub} from '../../../services/hub/open.js';
import {HubHostKeys, InstanceKeyFiles, type HostKeySource} from './host-keys.js';
import {readInstanceHubKey} from './instance-hub-key.js';
import type {Logger} from './logger.js';
import {InstanceMembership} from './membership.js';
import type {SignedRequestOptions} from './signed-requests.js';

/**
 * Which key a host id signs with, checked against the instance's \`ampnode/hub.public.key\`. With a
 * served hub (amprun.yaml \`hub\` a URL): the record that hub holds now, and never the copies in
 * \`ampnode/\`, so a key rotated away at the hub cannot come back while the hub is unreachable (its
 * last answer serves for at most 10 minutes). With the embedded hub, whose state lives only on the
 * machine that made the instance: the records in \`ampnode/\`, which \`hub update\` and
 * \`ampzero members add\` keep current.
 */
function instanceHostKeys(instanceDirectory: string, config: Pick<InstanceConfig, 'hub'>, logger: Logger): HostKeySource {
	const hubKey = readInstanceHubKey(instanceDirectory);
	if (config.hub === 'embedded') return new InstanceKeyFiles({directory: path.join(instanceDirectory, 'ampnode'), hubKey});
	return new HubHostKeys({hub: openHub(config.hub), hubKey, logger});
}

/** Who may use the instance's zerodata and logstore: the members its owner signed (\`ampnode/members.json\`). */
function instanceMembership(instanceDirectory: string, config: Pick<InstanceConfig, 'name' | 'userId'>, logger: Logger): InstanceMembership {
	return new InstanceMembership({instanceDirectory, owner: {name: config.name, userId: config.userId}, logger});
}

/** Who may sign requests to the instance's zerodata and logstore, and with which keys. */
export function instanceSigners(instanceDirectory: string, config: Pick<InstanceConfig, 'name' | 'userId' | 'hub'>, logger: Logger): SignedRequestOptions {
	return {instance: config.name, members: instanceMembership(instanceDirectory, config, logger), hostKeys: instanceHostKeys(instanceDirectory, config, logger)};
}
