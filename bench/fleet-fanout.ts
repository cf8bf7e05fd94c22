/*
 * Part of `npm run bench:fleet`: the fleet view over FLEET_FANOUT times as many hosts as
 * deployment.yaml lists, each real host's events shown as that many hosts (`ADDRESS/1` …), so the
 * view holds and draws the state of 30 hosts from 3 real ones. Commands go to the real host.
 *
 *   node dist/bench/fleet-fanout.js INSTANCE_DIRECTORY DEPLOYMENT_YAML
 */
import {runFleetApp} from '../source/app/fleet-app.js';
import {loadInstanceConfig} from '../services/config/amprun.js';
import {loadDeploymentConfig} from '../services/deploy/config.js';
import {sshConnector} from '../services/deploy/ssh-connect.js';
import {chooseHosts, type Fleet} from '../services/fleet/fleet-hosts.js';
import {watchFleet, type FleetEvent} from '../services/fleet/fleet-watch.js';

const [instanceDirectory, configFile] = process.argv.slice(2);
const fanout = Number(process.env['FLEET_FANOUT'] ?? 10);
if (!instanceDirectory || !configFile || !Number.isInteger(fanout) || fanout < 1) {
	process.stderr.write('usage: FLEET_FANOUT=N node dist/bench/fleet-fanout.js INSTANCE_DIRECTORY DEPLOYMENT_YAML\n');
	process.exit(2);
}
const config = await loadDeploymentConfig(configFile);
const instance = await loadInstanceConfig(instanceDirectory);
const fleet: Fleet = {instanceDirectory, instanceName: instance.name, config, hosts: chooseHosts(config, []), parallel: 10, connect: sshConnector(config.ssh)};
const watch = watchFleet(fleet);
const copies = (label: string): string[] => Array.from({length: fanout}, (_, index) => `${label}/${index + 1}`);

async function* fannedOut(): AsyncIterable<FleetEvent> {
	for await (const event of watch.events()) for (const host of copies(event.host)) yield {...event, host};
}

process.exitCode = await runFleetApp(
	{events: fannedOut, send: (host, command) => watch.send(host.split('/')[0]!, command), close: () => watch.close()},
	{instance: instance.name, hosts: fleet.hosts.flatMap(host => copies(host.label))},
);
