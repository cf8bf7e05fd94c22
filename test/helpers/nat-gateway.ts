import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {closeSync, mkdtempSync, openSync, readFileSync, rmSync, unlinkSync, writeFileSync, writeSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {isAlive} from '../../services/system/proc.js';

/*
 * A real NAT router for tests: Debian's miniupnpd in a network namespace (`azn<N>g`) routing for
 * a client namespace (`azn<N>c`) over a veth pair, with its external interface on a second veth
 * pair into a third namespace (`azn<N>w`, the "internet"). Nothing here touches the host's own
 * network: every interface lives in these namespaces, none of them has a route elsewhere.
 *
 * Addresses: the LAN is 10.198.N.0/24. miniupnpd refuses to map anything when its external
 * address is private or reserved ("Port forwarding is impossible"), so the external link uses
 * 11.198.N.0/24; that link's two ends are both inside these namespaces, so no packet to it can
 * leave them.
 */

export interface NatLab {
	/** The client namespace, behind the gateway: where `ampzero run` goes. */
	client: string;
	/** Runs a command in the client namespace: `ip netns exec <client> ...`. */
	inClient(command: string, args: string[]): {command: string; args: string[]};
	gatewayLanAddress: string;
	clientAddress: string;
	externalAddress: string;
	/** miniupnpd's lease file: one `PROTO:EXTPORT:INTADDR:INTPORT:EXPIRY:DESC` line per mapping (written on change). */
	leases(): string[];
	/** The gateway's nft DNAT rules made by miniupnpd. */
	natRules(): string;
	/** Kills miniupnpd, as a router that reboots or goes away. */
	stopGateway(): void;
	cleanup(): void;
}

const lockDirectory = os.tmpdir();

/** Claims a free 10.198.N.0/24 with an O_EXCL lock file holding our pid (a dead owner's lock is taken over). */
function claimSubnet(): {index: number; lock: string} {
	for (let index = 1; index < 255; index++) {
		const lock = path.join(lockDirectory, `ampzero-natlab-10.198.${index}.lock`);
		for (let attempt = 0; attempt < 2; attempt++) {
			try {
				const fd = openSync(lock, 'wx');
				writeSync(fd, String(process.pid));
				closeSync(fd);
				return {index, lock};
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
				const owner = Number(readFileSync(lock, 'utf8').trim());
				if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) break;
				rmSync(lock, {force: true});
			}
		}
	}
	throw new Error('no free 10.198.N.0/24 for a NAT test namespace');
}


function ip(...args: string[]): void {
	execFileSync('ip', args, {stdio: ['ignore', 'ignore', 'pipe']});
}

/**
 * The client namespace and, with `gateway: true`, miniupnpd routing for it (`upnp: false` leaves it
 * NAT-PMP only). Without a gateway the client has only loopback and its LAN link.
 */
export async function startNatLab(options: {gateway: boolean; upnp?: boolean}): Promise<NatLab> {
	const {index, lock} = claimSubnet();
	const names = {gateway: `azn${index}g`, client: `azn${index}c`, world: `azn${index}w`};
	const lan = `10.198.${index}`;
	const wan = `11.198.${index}`;
	const directory = mkdtempSync(path.join(os.tmpdir(), 'ampzero-natlab-'));
	let daemon: ChildProcess | undefined;
	const cleanup = (): void => {
		if (daemon?.pid !== undefined && daemon.exitCode === null) {
			try {
				process.kill(daemon.pid, 'SIGKILL');
			} catch {
				// already gone
			}
		}
		for (const name of Object.values(names)) {
			try {
				ip('netns', 'del', name);
			} catch {
				// never made, or already removed
			}
		}
		rmSync(directory, {recursive: true, force: true});
		try {
			unlinkSync(lock);
		} catch {
			// already released
		}
	};
	process.once('exit', cleanup);
	try {
		for (const name of Object.values(names)) {
			ip('netns', 'add', name);
			ip('-n', name, 'link', 'set', 'lo', 'up');
		}
		ip('link', 'add', `azn${index}gl`, 'type', 'veth', 'peer', 'name', `azn${index}cl`);
		ip('link', 'set', `azn${index}gl`, 'netns', names.gateway);
		ip('link', 'set', `azn${index}cl`, 'netns', names.client);
		ip('-n', names.gateway, 'addr', 'add', `${lan}.1/24`, 'dev', `azn${index}gl`);
		ip('-n', names.client, 'addr', 'add', `${lan}.2/24`, 'dev', `azn${index}cl`);
		ip('-n', names.gateway, 'link', 'set', `azn${index}gl`, 'up');
		ip('-n', names.client, 'link', 'set', `azn${index}cl`, 'up');
		if (options.gateway) {
			ip('-n', names.client, 'route', 'add', 'default', 'via', `${lan}.1`);
			ip('link', 'add', `azn${index}gw`, 'type', 'veth', 'peer', 'name', `azn${index}ww`);
			ip('link', 'set', `azn${index}gw`, 'netns', names.gateway);
			ip('link', 'set', `azn${index}ww`, 'netns', names.world);
			ip('-n', names.gateway, 'addr', 'add', `${wan}.1/24`, 'dev', `azn${index}gw`);
			ip('-n', names.world, 'addr', 'add', `${wan}.2/24`, 'dev', `azn${index}ww`);
			ip('-n', names.gateway, 'link', 'set', `azn${index}gw`, 'up');
			ip('-n', names.world, 'link', 'set', `azn${index}ww`, 'up');
			daemon = await startMiniupnpd(names.gateway, index, directory, lan, options.upnp ?? true);
		}
	} catch (error) {
		cleanup();
		process.removeListener('exit', cleanup);
		throw error;
	}
	const leaseFile = path.join(directory, 'upnp.leases');
	return {
		client: names.client,
		inClient: (command, args) => ({command: 'ip', args: ['netns', 'exec', names.client, command, ...args]}),
		gatewayLanAddress: `${lan}.1`,
		clientAddress: `${lan}.2`,
		externalAddress: `${wan}.1`,
		leases: () => {
			try {
				return readFileSync(leaseFile, 'utf8').split('\n').filter(Boolean);
			} catch {
				return [];
			}
		},
		natRules: () => execFileSync('ip', ['netns', 'exec', names.gateway, 'nft', 'list', 'chain', 'inet', 'filter', 'prerouting_miniupnpd'], {encoding: 'utf8'}),
		stopGateway: () => {
			if (daemon?.pid !== undefined && daemon.exitCode === null) process.kill(daemon.pid, 'SIGKILL');
		},
		cleanup: () => {
			cleanup();
			process.removeListener('exit', cleanup);
		},
	};
}

/** The chains Debian's miniupnpd (nftables backend) adds its rules to, in table `inet filter`. */
function ruleset(index: number): string {
	return `table inet filter {
	chain forward { type filter hook forward priority 0; policy drop; ct state established,related accept; jump miniupnpd; }
	chain miniupnpd { }
	chain prerouting { type nat hook prerouting priority -100; policy accept; jump prerouting_miniupnpd; }
	chain postrouting { type nat hook postrouting priority 100; policy accept; oifname "azn${index}gw" masquerade; jump postrouting_miniupnpd; }
	chain prerouting_miniupnpd { }
	chain postrouting_miniupnpd { }
}
`;
}

async function startMiniupnpd(namespace: string, index: number, directory: string, lan: string, upnp: boolean): Promise<ChildProcess> {
	writeFileSync(path.join(directory, 'rules.nft'), ruleset(index));
	execFileSync('ip', ['netns', 'exec', namespace, 'nft', '-f', path.join(directory, 'rules.nft')]);
	execFileSync('ip', ['netns', 'exec', namespace, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
	const config = path.join(directory, 'miniupnpd.conf');
	writeFileSync(
		config,
		[
			`ext_ifname=azn${index}gw`,
			`listening_ip=azn${index}gl`,
			'http_port=0',
			`enable_upnp=${upnp ? 'yes' : 'no'}`,
			'enable_natpmp=yes',
			'ext_perform_stun=no',
			'secure_mode=yes',
			'system_uptime=no',
			`lease_file=${path.join(directory, 'upnp.leases')}`,
			`uuid=5f0c7d2e-1b9a-4c3e-9d2f-${String(index).padStart(12, '0')}`,
			'min_lifetime=2',
			`allow 1024-65535 ${lan}.0/24 1024-65535`,
			'deny 0-65535 0.0.0.0/0 0-65535',
			'',
		].join('\n'),
	);
	const child = spawn('ip', ['netns', 'exec', namespace, 'miniupnpd', '-d', '-f', config, '-P', path.join(directory, 'miniupnpd.pid')], {stdio: ['ignore', 'pipe', 'pipe']});
	let output = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
	for (let waited = 0; !output.includes('Listening for NAT-PMP') && waited < 10_000; waited += 25) {
		if (child.exitCode !== null) break;
		await new Promise(resolve => setTimeout(resolve, 25));
	}
	if (!output.includes('Listening for NAT-PMP')) {
		child.kill('SIGKILL');
		throw new Error(`miniupnpd did not start:\n${output}`);
	}
	return child;
}
