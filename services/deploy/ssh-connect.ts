import {openSshSession} from '../ssh/session.js';
import type {RemoteSession} from './agent-client.js';
import type {DeployHostConfig, DeploySshConfig} from './config.js';

/** Opens a host's SSH connection with deployment.yaml's ssh settings (host keys checked, agent and keys, ~/.ssh/config). */
export function sshConnector(settings: DeploySshConfig): (host: DeployHostConfig) => Promise<RemoteSession> {
	return host =>
		openSshSession(host.target, {
			identityFiles: settings.identityFiles,
			agent: settings.agent !== false,
			...(settings.knownHostsFile ? {knownHostsFile: settings.knownHostsFile} : {}),
			strictHostKeyChecking: settings.strictHostKeyChecking,
			connectTimeoutMs: settings.connectTimeoutMs,
			keepaliveIntervalMs: settings.keepaliveIntervalMs,
			...(settings.configFile ? {sshConfigFile: settings.configFile} : {}),
		});
}
