import {loadInstanceConfig} from '../config/amprun.js';
import {applyPlans} from '../instance/apply-plans.js';
import {generatedFilePlans} from '../instance/file-plans.js';

/** The generated files that name paths of the machine they were made on (the amprun root, the instance and checkout directories). */
const hostSpecificFiles = new Set([
	'amprun.yaml',
	'ampnode/redis.conf',
	'keyspace/keyspace-single.conf',
	'keyspace/keyspace-0.conf',
	'keyspace/keyspace-1.conf',
	'keyspace/keyspace-2.conf',
	'logstore/logstore.yaml',
	'zerodata/zerodata.yaml',
	'logstore/lib',
	'zerodata/lib',
	'nginx/nginx.conf',
]);

/**
 * Makes an unpacked instance release right for the host it landed on: its amprun root becomes
 * `<root>/var`, and every generated file that names a path is made again for this host's paths
 * (the release's own directory, this ampzero release's daemons). The user's own files stay as committed.
 */
export async function prepareInstanceRelease(instanceDirectory: string, amprunRoot: string): Promise<string[]> {
	const config = {...(await loadInstanceConfig(instanceDirectory)), amprunRoot};
	const plans = generatedFilePlans(config, instanceDirectory).filter(plan => hostSpecificFiles.has(plan.path));
	return applyPlans(instanceDirectory, plans);
}
