import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {parseDeploymentConfig, parseTarget} from '../../services/deploy/config.js';

describe('deployment.yaml', () => {
	it('reads hosts with their defaults, hooks and ssh settings', () => {
		const config = parseDeploymentConfig(
			[
				'hosts:',
				'  - host: deploy@203.0.113.10',
				'  - host: root@10.0.0.2:2222',
				'    root: /srv/amp',
				'    name: beta',
				'    pre_update: ./check.sh',
				'  - tav@212.4.3.2',
				'pre_deploy: make check',
				'ssh:',
				'  identity_files: [~/.ssh/deploy]',
				'  strict_host_key_checking: accept-new',
				'  connect_timeout_seconds: 5',
				'keep_releases: 1',
			].join('\n'),
			'deployment.yaml',
		);
		expect(config.hosts.map(host => [host.target, host.user, host.host, host.port, host.root, host.name, host.preUpdate])).toEqual([
			['deploy@203.0.113.10', 'deploy', '203.0.113.10', 22, '/opt/ampzero', undefined, undefined],
			['root@10.0.0.2:2222', 'root', '10.0.0.2', 2222, '/srv/amp', 'beta', './check.sh'],
			['tav@212.4.3.2', 'tav', '212.4.3.2', 22, '/opt/ampzero', undefined, undefined],
		]);
		expect(config.preDeploy).toBe('make check');
		expect(config.ssh).toMatchObject({identityFiles: [path.join(os.homedir(), '.ssh', 'deploy')], strictHostKeyChecking: 'accept-new', connectTimeoutMs: 5000});
	});

	it('expands ~ and resolves relative paths against the file\'s directory', () => {
		const config = parseDeploymentConfig(['hosts: []', 'ssh:', '  identity_files: [~/.ssh/id_ed25519, keys/deploy]', '  known_hosts: ~/.ssh/known_hosts', '  config_file: ../ssh/config', '  agent: ~/agent.sock'].join('\n'), '/srv/kickass/deployment.yaml');
		expect(config.ssh.identityFiles).toEqual([path.join(os.homedir(), '.ssh/id_ed25519'), '/srv/kickass/keys/deploy']);
		expect(config.ssh.knownHostsFile).toBe(path.join(os.homedir(), '.ssh/known_hosts'));
		expect(config.ssh.configFile).toBe('/srv/ssh/config');
		expect(config.ssh.agent).toBe(path.join(os.homedir(), 'agent.sock'));
	});

	it('refuses setup: (amprun.yaml says what a host runs) and a health_url that is no URL', () => {
		expect(() => parseDeploymentConfig('hosts:\n  - host: a@b\n    setup: server\n', 'd.yaml')).toThrow(/^d\.yaml:3: hosts entry 1: setup is not set here: amprun\.yaml says/);
		expect(() => parseDeploymentConfig('hosts:\n  - host: a@b\n    health_url: /health\n', 'd.yaml')).toThrow(/^d\.yaml:3: .*health_url must be an http/);
	});

	it('names file:line for bad YAML and for an unknown key, top level or nested', () => {
		expect(() => parseDeploymentConfig('hosts:\n  - host: a@b\n  bad: [\n', 'd.yaml')).toThrow(/^d\.yaml:\d+: /);
		expect(() => parseDeploymentConfig('hosts: []\n\nhots: 1\n', 'd.yaml')).toThrow('d.yaml:3: unknown key "hots"');
		expect(() => parseDeploymentConfig('hosts:\n  - host: a@b\n  - host: c@d\n    rot: /x\n', 'd.yaml')).toThrow('d.yaml:4: unknown key "rot" in hosts entry 2');
		expect(() => parseDeploymentConfig('hosts: []\nssh:\n  agent: true\n  strict: no\n', 'd.yaml')).toThrow('d.yaml:4: unknown key "strict" in ssh');
		expect(() => parseDeploymentConfig('hosts:\n  - host: nobody\n', 'd.yaml')).toThrow('d.yaml:2: hosts entry 1: "nobody" is not user@host[:port]');
		expect(() => parseDeploymentConfig('hosts: []\nssh:\n  strict_host_key_checking: no\n', 'd.yaml')).toThrow('d.yaml:3: ssh.strict_host_key_checking must be yes or accept-new');
	});

	it('parses user@host[:port] targets', () => {
		expect(parseTarget('root@[::1]:2200')).toEqual({user: 'root', host: '::1', port: 2200});
		expect(parseTarget('root@host:99999')).toBeUndefined();
		expect(parseTarget('host')).toBeUndefined();
	});
});
