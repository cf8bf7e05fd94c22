import path from 'node:path';
import type {InstanceConfig} from '../../config/amprun.js';
import {runPaths} from '../../config/paths.js';

/** `logstore/logstore.yaml`: where the logstore daemon listens and keeps its append-only segments. */
export function logstoreYaml(config: InstanceConfig): string {
	return `# logstore.yaml: the log store of "${config.name}" (run by \`ampzero run\` as \`ampzero daemon logstore\`).
# Every ampnode sends its access, usage and error logs here; they are appended to segment files
# that survive restarts, and can be queried over HTTP.
bind_address: ${config.bindAddress}
port: ${config.ports.logstore}
data_directory: ${path.join(runPaths(config).data, 'logstore')}
# A segment file is closed and a new one started past this size.
segment_bytes: 8388608
`;
}

/** `zerodata/zerodata.yaml`: where the data store listens, keeps its database, and whose signatures it accepts. */
export function zerodataYaml(config: InstanceConfig): string {
	return `# zerodata.yaml: the data store of "${config.name}" (run by \`ampzero run\` as \`ampzero daemon zerodata\`).
# Requests must be signed by a host key that hub.public.key vouches for; anything else is refused.
bind_address: ${config.bindAddress}
port: ${config.ports.zerodata}
data_directory: ${path.join(runPaths(config).data, 'zerodata')}
# Key files, relative to the instance directory.
hub_public_key: ampnode/hub.public.key
# The host ids whose signed requests are accepted.
allowed_hosts: [${config.hostId}]
`;
}
