import {describe, expect, it} from 'vitest';
import {fromYaml} from '../../services/config/amprun.js';
import {parseDeploymentConfig} from '../../services/deploy/config.js';
import {linkHosts} from '../../services/deploy/host-link.js';
import {redactSecrets} from '../../services/deploy/redact.js';

const amprun = (hosts: string): string =>
	[
		'instance_name: kickass',
		'title: t',
		'user_name: u',
		'user_email: u@localhost',
		'host_name: localhost',
		'setup: single',
		'hub: embedded',
		'amprun_root_directory: /opt/ampzero/var',
		'user_id: 1',
		'host_id: 2',
		'redis_password: x',
		...['frontend_port: 8040', 'http_port: 8041', 'keyspace_client_port: 8042', 'keyspace_peer_port: 8043', 'redis_live_port: 8044', 'redis_data_port: 8045', 'logstore_port: 8046', 'zerodata_port: 8047', 'ampnode_ports: [8048]'],
		hosts,
	].join('\n');

const three = [
	'hosts:',
	'  - {name: alpha, address: 10.0.0.1, keyspace: 0, logstore: true, zerodata: true}',
	'  - {name: beta, address: 10.0.0.2, keyspace: 1, server: true}',
	'  - {name: gamma, address: 10.0.0.3, keyspace: 2, server: true}',
].join('\n');

describe('deployment.yaml hosts and amprun.yaml hosts: are one list', () => {
	const instance = fromYaml(amprun(three), '/i/kickass/amprun.yaml');

	it('links by address, or by name: where the SSH target is another name', () => {
		const deployment = parseDeploymentConfig('hosts:\n  - root@10.0.0.1\n  - host: deploy@beta.example.net\n    name: beta\n  - root@10.0.0.3:2222\n', '/i/kickass/deployment.yaml');
		const links = linkHosts(deployment, instance, '/i/kickass');
		expect([...links].map(([target, entry]) => [target, entry?.name])).toEqual([
			['root@10.0.0.1', 'alpha'],
			['deploy@beta.example.net', 'beta'],
			['root@10.0.0.3:2222', 'gamma'],
		]);
	});

	it('a host that is no entry, an entry no host deploys, or two hosts for one entry: an error naming both files', () => {
		const unknown = parseDeploymentConfig('hosts:\n  - root@10.0.0.1\n  - root@10.0.0.9\n  - root@10.0.0.3\n', '/i/kickass/deployment.yaml');
		expect(() => linkHosts(unknown, instance, '/i/kickass')).toThrow(/^\/i\/kickass\/deployment\.yaml:3: root@10\.0\.0\.9: 10\.0\.0\.9 is the address of no host of \/i\/kickass\/amprun\.yaml hosts:/);
		const missing = parseDeploymentConfig('hosts:\n  - root@10.0.0.1\n  - root@10.0.0.2\n', '/i/kickass/deployment.yaml');
		expect(() => linkHosts(missing, instance, '/i/kickass')).toThrow('/i/kickass/amprun.yaml hosts: gamma (10.0.0.3) is in no entry of /i/kickass/deployment.yaml');
		const twice = parseDeploymentConfig('hosts:\n  - root@10.0.0.1\n  - host: root@other\n    name: alpha\n  - root@10.0.0.3\n', '/i/kickass/deployment.yaml');
		expect(() => linkHosts(twice, instance, '/i/kickass')).toThrow(/deployment\.yaml:3: root@other and root@10\.0\.0\.1 are both .*amprun\.yaml host alpha/);
	});

	it('a single-machine instance goes whole to every host; name: there is an error', () => {
		const single = fromYaml(amprun(''), '/i/kickass/amprun.yaml');
		const deployment = parseDeploymentConfig('hosts:\n  - root@10.0.0.1\n  - root@10.0.0.2\n', '/i/kickass/deployment.yaml');
		expect([...linkHosts(deployment, single, '/i/kickass').values()]).toEqual([undefined, undefined]);
		const named = parseDeploymentConfig('hosts:\n  - host: root@10.0.0.1\n    name: alpha\n', '/i/kickass/deployment.yaml');
		expect(() => linkHosts(named, single, '/i/kickass')).toThrow(/deployment\.yaml:2: .*lists no hosts:/);
	});
});

describe('what a deploy shows of a host\'s output', () => {
	it('hides the one-time login link and a redis password', () => {
		expect(redactSecrets('log in:   https://10.0.0.1:8040/login?token=abcDEF123_-')).toBe('log in:   https://10.0.0.1:8040/login?token=(hidden)');
		expect(redactSecrets('requirepass "s3cret"')).toBe('requirepass "(hidden)"');
		expect(redactSecrets('nginx ready')).toBe('nginx ready');
	});
});
