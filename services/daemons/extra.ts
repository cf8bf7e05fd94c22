import type {ExtraDaemon, InstanceConfig} from '../config/amprun.js';
import type {DaemonSpec, ReadyProbe} from '../supervisor/spec.js';

/** The `daemons:` of amprun.yaml as specs: each command runs through `/bin/sh -c` in the instance directory. */
export function extraDaemons(config: Pick<InstanceConfig, 'daemons' | 'bindAddress'>, instanceDirectory?: string): DaemonSpec[] {
	return config.daemons.map(daemon => ({
		name: daemon.name,
		command: '/bin/sh',
		args: ['-c', daemon.command],
		...(instanceDirectory ? {cwd: instanceDirectory} : {}),
		...(daemon.ready && 'tcp' in daemon.ready ? {port: daemon.ready.tcp} : {}),
		ports: daemon.ready && 'tcp' in daemon.ready ? [daemon.ready.tcp] : [],
		dependsOn: [...daemon.dependsOn],
		ready: readyProbe(daemon, config.bindAddress),
		readyTimeoutMs: 30_000,
		stopSignal: 'SIGTERM',
		stopTimeoutMs: 5_000,
	}));
}

function readyProbe(daemon: ExtraDaemon, bindAddress: string): ReadyProbe {
	const ready = daemon.ready;
	if (!ready) return {kind: 'none'};
	if ('http' in ready) return {kind: 'http', url: ready.http};
	if ('tcp' in ready) return {kind: 'tcp', host: bindAddress, port: ready.tcp};
	return {kind: 'log', pattern: ready.log};
}
