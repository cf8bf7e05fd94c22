import type {InstanceConfig} from '../config/amprun.js';
import {createLoginLink} from '../login.js';
import type {NatMappingKeeper} from '../nat/mapping-keeper.js';
import {describeNat, type NatStatus} from '../nat/nat-status.js';
import {HostAnnouncer, type AnnounceOutcome} from './announce-host.js';
import type {RunFlags} from './plan-file.js';
import type {Supervisor} from './supervisor.js';

/** The lease asked of a NAT gateway unless amprun.yaml says `nat_lease_seconds`. */
export const defaultNatLeaseSeconds = 3600;

export interface Reachability {
	/** Every daemon is ready: make the login link and announce this host to the hub. */
	ready(): Promise<void>;
	/** Stop announcing and remove the NAT mapping (also done by the supervisor before it exits). */
	stop(): Promise<void>;
}

/**
 * How the world reaches this run, started beside the daemons and never delaying them: the NAT
 * mapping of the frontend port (kept, renewed and removed on exit) and the hub announce of the
 * reachable address (the external one when mapped, else the host name). Best effort: every outcome
 * is a state or a notice, none fails the run.
 */
export function startReachability(supervisor: Supervisor, config: InstanceConfig, instanceDirectory: string, flags: RunFlags): Reachability {
	const frontend = config.ports.frontend;
	let natSettled = !(flags.natBypass && !flags.server);
	let daemonsReady = false;
	let external: {host: string; port: number} | undefined;

	let lastAnnounce: string | undefined;
	const announcer = flags.hub
		? new HostAnnouncer(
				// The hub's client and the signing keys are loaded only by a run that announces (not with --no-hub).
				(host, port, signal) => import('../hub/announce.js').then(({announceHost}) => announceHost(instanceDirectory, config, host, port, signal)).then(() => {}),
				outcome => {
					// Refreshes that change nothing stay quiet; a failure, a recovery or a new address is said.
					const text = describeAnnounce(config, outcome);
					if (outcome.ok && text === lastAnnounce) return;
					lastAnnounce = text;
					supervisor.notice(text);
				},
				{refreshMs: (config.hubRefreshSeconds ?? 600) * 1000},
			)
		: undefined;
	const announceWhenKnown = (): void => {
		if (!announcer || !daemonsReady || !natSettled) return;
		announcer.setAddress(external?.host ?? config.hostName, external?.port ?? frontend);
	};

	let keeper: Promise<NatMappingKeeper> | undefined;
	if (flags.natBypass && !flags.server) {
		// A notice when the story changes (mapped, lost, a new address), not on every renewal or retry.
		let lastNotice: string | undefined;
		const onStatus = (status: NatStatus): void => {
			supervisor.setNat(status);
			if (status.state !== 'searching' && status.state !== 'renewing' && describeNat(status) !== lastNotice) {
				lastNotice = describeNat(status);
				supervisor.notice(lastNotice);
			}
			if (status.state === 'mapped') external = {host: status.externalIp!, port: status.port!};
			if (status.state === 'mapped' || status.state === 'none') {
				natSettled = true;
				announceWhenKnown();
			}
		};
		// The UPnP/NAT-PMP client (with its XML parsers) is loaded only by a run that maps a port.
		keeper = Promise.all([import('../nat/gateway-port-mapper.js'), import('../nat/mapping-keeper.js')]).then(([{GatewayPortMapper}, {NatMappingKeeper}]) => {
			const started = new NatMappingKeeper(new GatewayPortMapper(), frontend, {leaseSeconds: config.natLeaseSeconds ?? defaultNatLeaseSeconds}, onStatus);
			void started.start();
			return started;
		});
		const stopping = keeper;
		supervisor.beforeExit(async () => (await stopping).stop());
	}
	supervisor.beforeExit(async () => announcer?.stop());

	return {
		async ready() {
			daemonsReady = true;
			announceWhenKnown();
			const daemons = new Set(supervisor.statuses().map(status => status.name));
			if (daemons.has('redis-live') && daemons.has('nginx')) {
				try {
					supervisor.updateInfo({loginUrl: await createLoginLink(config, instanceDirectory)});
				} catch (error) {
					supervisor.notice(`login link: ${error instanceof Error ? error.message : String(error)}`);
				}
			}
		},
		async stop() {
			announcer?.stop();
			await (await keeper)?.stop();
		},
	};
}

function describeAnnounce(config: InstanceConfig, outcome: AnnounceOutcome): string {
	const where = `${outcome.host}:${outcome.port}`;
	if (outcome.ok) return `hub: announced host-${config.hostId} at ${where} (${config.hub} hub)`;
	return `hub: could not announce host-${config.hostId} at ${where} (${outcome.error}); retrying in ${Math.round(outcome.retryInMs / 1000)} s (--no-hub turns this off)`;
}
