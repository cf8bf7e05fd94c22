import type {InstanceConfig} from '../../config/amprun.js';

/** `deployment.yaml`: a commented example of the hosts `ampzero deploy` ships to. Nothing is active until you edit it. */
export function deploymentExample(config: InstanceConfig): string {
	return `# deployment.yaml: where \`ampzero deploy ${config.name}\` ships this instance and the ampzero project.
#
# Every host is reached over SSH as user@host (your ssh-agent or ~/.ssh keys, checked against
# ~/.ssh/known_hosts). All hosts move through each step together: a failure before the switch
# leaves every host on its old release, a failure after it rolls every host back.
#
# Uncomment and edit. \`ampzero deploy ${config.name} --host USER@HOST\` limits a deploy to some hosts;
# \`--config FILE\` reads another file instead of this one.

# hosts:
#   - host: deploy@203.0.113.10        # user@host, or user@host:port for another SSH port
#   - host: deploy@web2.example.net
#     name: beta                        # with hosts: in amprun.yaml, the entry this host is (else: by address)
#     pre_update: scripts/pre-update.sh # run on this host after unpacking, before the switch
#
# What each host runs comes from amprun.yaml: without hosts: there, every host runs the whole
# instance (its frontend on every address of the host); with hosts:, each host what its entry says.

# Where releases live on every host: <root>/dist/ (releases, .current, .previous, lock-file)
# and <root>/var/ (the amprun root: logs, pids, data).
# root: /opt/ampzero

# Run on this machine, from the instance directory, before anything is sent and after every
# host is switched over. A hook that exits non-zero stops the deploy.
# pre_deploy: ./scripts/check-clean.sh
# post_deploy: ./scripts/notify.sh

# How long the health check after the switch waits for https://<host>:${config.ports.frontend}/health to answer
# (per host, health_url: sets another address, e.g. when the host is reached through a jump host).
# health_timeout_seconds: 60

hosts: []
`;
}
