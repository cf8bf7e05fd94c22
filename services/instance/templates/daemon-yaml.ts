import path from 'node:path';
import type {InstanceConfig} from '../../config/amprun.js';
import {runPaths} from '../../config/paths.js';

/** `logstore/logstore.yaml`: the logstore daemon's own settings (its address and port are in amprun.yaml). */
export function logstoreYaml(config: InstanceConfig): string {
	return `# logstore.yaml: the log store of "${config.name}" (run by \`ampzero run\` as \`ampzero daemon logstore\`).
# Every ampnode sends its access, usage and error logs here; they are appended to segment files
# that survive restarts, and can be queried over HTTP.
# It listens on ${config.bindAddress}:${config.ports.logstore} (logstore_port in amprun.yaml) and keeps its
# segments in ${path.join(runPaths(config).data, 'logstore')}.

# A segment file is closed and a new one started past this many bytes (at least 4096).
max_segment_bytes: 8388608
# Retention: segments kept (at least 2); past it the oldest segment and its records are deleted, so
# disk and memory stay within about max_segments × max_segment_bytes (128 MB here).
max_segments: 16
`;
}

/** `zerodata/zerodata.yaml`: the data store's own settings (its address and port are in amprun.yaml). */
export function zerodataYaml(config: InstanceConfig): string {
	return `# zerodata.yaml: the data store of "${config.name}" (run by \`ampzero run\` as \`ampzero daemon zerodata\`).
# It accepts only requests signed by a host key that ampnode/hub.public.key vouches for (host ${config.hostId}
# here), listens on ${config.bindAddress}:${config.ports.zerodata} (zerodata_port in amprun.yaml) and keeps its
# database in ${path.join(runPaths(config).data, 'zerodata')}.

# normal: a crash of the machine may lose the last moments of writes; full: every write is on disk
# before it is answered (slower).
synchronous: normal
# Retention of the write-ahead log: past this many bytes a checkpoint truncates it (at least 65536).
max_wal_bytes: 67108864
`;
}
