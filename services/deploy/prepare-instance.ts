import {loadInstanceConfig} from '../config/amprun.js';
import {shareInstanceWithDaemons} from '../daemons/daemon-access.js';
import {daemonUser} from '../daemons/daemon-user.js';
import {applyPlans} from '../instance/apply-plans.js';
import {generatedFilePlans} from '../instance/file-plans.js';
import {makeInstancePrivate} from '../instance/privacy.js';

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

/** `nginx/nginx-HOST.conf`: one per host of `hosts:`, naming this release's paths too. */
const hostNginxConfig = /^nginx\/nginx-[a-z][a-z0-9-]*\.conf$/;

/**
 * The address a deployed single-machine instance's frontend listens on when amprun.yaml sets no
 * `frontend_address`: every IPv4 address of the host, where its clients reach it. (On the machine
 * that ran init the default stays loopback; a host of `hosts:` listens on its own address.)
 */
const deployedFrontendAddress = '0.0.0.0';

/**
 * Makes an unpacked instance release right for the host it landed on: its amprun root becomes
 * `<root>/var`, every generated file that names a path is made again for this host's paths
 * (the instance where the daemons find it, this ampzero release's daemons), the frontend listens where clients
 * reach it, and the release is made private as init makes an instance (the directory 0700, every
 * secret 0600), then, run as root, shared with the daemons' group as `run` would. The user's own files stay as committed.
 */
export async function prepareInstanceRelease(instanceDirectory: string, amprunRoot: string, livesAt = instanceDirectory): Promise<string[]> {
	const committed = await loadInstanceConfig(instanceDirectory);
	const frontendAddress = committed.frontendAddress ?? deployedFrontendAddress;
	const config = {...committed, amprunRoot, frontendAddress};
	// The files name the instance where the daemons find it (`dist/instance`, the link to the current
	// release): a daemon kept running across a deploy reads the same files through it (its fingerprint
	// says they did not change), and no file names a release directory that a later deploy removes.
	const plans = generatedFilePlans(config, livesAt).filter(plan => hostSpecificFiles.has(plan.path) || hostNginxConfig.test(plan.path));
	const changed = await applyPlans(instanceDirectory, plans);
	await makeInstancePrivate(instanceDirectory, {git: false});
	// Run as root, the daemons (nginx's workers among them, the bridge's too) read the release through their group
	// from the moment the switch points the link at it, not only once its own `run` has started.
	const user = daemonUser();
	if (user) await shareInstanceWithDaemons(config, instanceDirectory, user);
	return changed;
}
