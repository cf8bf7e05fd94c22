import path from 'node:path';
import type {InstanceConfig} from '../config/amprun.js';
import {toYaml} from '../config/amprun.js';
import {checkoutDirectory} from '../system/checkout.js';
import {ampnodeYaml, ampnodePackageJson, exampleService, exampleServiceModule, homeTemplate} from './templates/ampnode-files.js';
import {logstoreYaml, zerodataYaml} from './templates/daemon-yaml.js';
import {hostNginxConfFile, keyspaceConf, nginxConf, redisConf} from './templates/daemon-configs.js';
import {deploymentExample} from './templates/deployment-example.js';
import {gitignore, instanceReadme} from './templates/instance-readme.js';
import {upgradingPage, wwwIndex} from './templates/www-pages.js';

/** One generated file or symlink, by its path relative to the instance directory. */
export type FilePlan =
	| {kind: 'file'; path: string; content: string; mode: number}
	| {kind: 'symlink'; path: string; target: string};

/** The daemons of the project whose code an instance links to (`<daemon>/lib`). */
const linkedDaemons = ['logstore', 'zerodata'] as const;

/**
 * Every file `init` generates from templates, and `--clobber` regenerates. Pure: the same config
 * and directory give the same plans. (Keys, hub.public.key and the TLS certificate are made once
 * and are not in this list.) `directory` is where the instance lives for good: nginx.conf names it.
 */
export function generatedFilePlans(config: InstanceConfig, directory: string): FilePlan[] {
	const file = (relative: string, content: string, mode = 0o644): FilePlan => ({kind: 'file', path: relative, content, mode});
	return [
		file('amprun.yaml', toYaml(config), 0o600),
		file('deployment.yaml', deploymentExample(config)),
		file('README.md', instanceReadme(config)),
		file('.gitignore', gitignore()),
		file('ampnode/ampnode.yaml', ampnodeYaml(config)),
		file('ampnode/package.json', ampnodePackageJson(config)),
		file('ampnode/redis.conf', redisConf(config), 0o600),
		file(`ampnode/${exampleServiceModule}`, exampleService()),
		file('ampnode/templates/home.html', homeTemplate()),
		file('keyspace/keyspace-single.conf', keyspaceConf(config, 'single', directory)),
		file('keyspace/keyspace-0.conf', keyspaceConf(config, 0, directory)),
		file('keyspace/keyspace-1.conf', keyspaceConf(config, 1, directory)),
		file('keyspace/keyspace-2.conf', keyspaceConf(config, 2, directory)),
		file('logstore/logstore.yaml', logstoreYaml(config)),
		file('zerodata/zerodata.yaml', zerodataYaml(config)),
		...linkedDaemons.map(
			(daemon): FilePlan => ({
				kind: 'symlink',
				path: `${daemon}/lib`,
				target: path.relative(path.join(directory, daemon), path.join(checkoutDirectory, 'source', 'daemons', daemon)),
			}),
		),
		file('nginx/nginx.conf', nginxConf(config, directory)),
		...config.hosts.filter(host => host.frontend).map(host => file(hostNginxConfFile(host.name), nginxConf(config, directory, host.address))),
		file('nginx/www/index.html', wwwIndex(config)),
		file('nginx/www/upgrading.html', upgradingPage(config)),
	];
}
