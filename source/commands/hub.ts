import os from 'node:os';
import path from 'node:path';
import {loadInstanceConfig} from '../../services/config/amprun.js';
import {AmpError, UsageError} from '../../services/errors.js';
import {DirectoryHub} from '../../services/hub/directory-hub.js';
import {hubKeyFingerprint, matchesFingerprint} from '../../services/hub/fingerprint.js';
import {createHubServer} from '../../services/hub/http-server.js';
import {hubTls} from '../../services/hub/tls.js';
import {embeddedHubDirectory, openHub} from '../../services/hub/open.js';
import {keyFileName, verifyDetached, verifyPublicKey, type IdentityKind} from '../../services/keys/identity.js';
import {announceStatement} from '../../services/hub/statements.js';
import {HubRefusal} from '../../services/hub/types.js';
import {rotateIdentity} from '../../services/hub/rotate-identity.js';
import {membersFileName} from '../../services/keys/members.js';
import {readMembers, writeMembers} from '../../services/keys/membership.js';
import {commitPaths} from '../../services/instance/git.js';
import {resolveInstanceDirectory} from '../../services/instance/locate.js';
import {createBatchOutput} from '../output.js';

/** The `--state` default as `--help` shows it; it means the embedded hub's directory (which follows AMPZERO_HOME). */
const defaultStateFlag = '~/.ampzero/hub';

export async function hubServeCommand(options: Record<string, unknown>): Promise<number> {
	const port = Number(options['port']);
	if (!/^\d+$/.test(String(options['port'])) || port < 0 || port > 65535) throw new UsageError(`--port must be a port from 0 to 65535, not "${String(options['port'])}"`);
	const host = String(options['host'] ?? '127.0.0.1');
	const stateFlag = String(options['state'] ?? defaultStateFlag);
	const state = stateFlag === defaultStateFlag ? embeddedHubDirectory() : path.resolve(stateFlag.replace(/^~(?=\/|$)/, os.homedir()));
	const limits = {perSource: countFlag(options['registerLimit'], '--register-limit'), total: countFlag(options['registerLimitTotal'], '--register-limit-total')};
	const secure = Boolean(options['https']) || options['cert'] !== undefined || options['key'] !== undefined;
	const output = createBatchOutput();
	const hub = new DirectoryHub(state, 'served');
	const {publicKey} = await hub.publicKey();
	const tls = secure ? await hubTls(state, host, {cert: options['cert'] as string | undefined, key: options['key'] as string | undefined}) : undefined;
	const connectionsPerSource = countFlag(options['connectionsPerAddress'], '--connections-per-address');
	const server = createHubServer(hub, {limits, connectionsPerSource, ...(tls ? {tls: {cert: tls.cert, key: tls.key}} : {})});
	await new Promise<void>((resolve, reject) => {
		server.once('error', (error: NodeJS.ErrnoException) => {
			if (error.code === 'EADDRINUSE') reject(new AmpError(`${host}:${port} is already in use; choose another port with --port`));
			else if (error.code === 'EADDRNOTAVAIL') reject(new AmpError(`${host} is not an address of this machine; choose another with --host`));
			else reject(error);
		});
		server.listen(port, host, resolve);
	});
	const address = server.address();
	const actualPort = typeof address === 'object' && address ? address.port : port;
	const shownHost = host.includes(':') ? `[${host}]` : host;
	output.line(`hub listening on ${tls ? 'https' : 'http'}://${shownHost}:${actualPort} (state in ${state}); ^C stops it`);
	output.line(`hub key fingerprint: ${hubKeyFingerprint(publicKey)} (init pins it with --hub-key)`);
	if (tls) output.line(`TLS certificate ${tls.selfSigned ? `(self-signed, ${tls.certFile}) ` : ''}SHA-256 fingerprint: ${tls.fingerprint}`);
	output.line(`registrations limited to ${limits.perSource} a minute per address, ${limits.perSource * 3} per network (/24, /64) and ${limits.total} in total; ${connectionsPerSource} open connections per address`);
	await new Promise<void>(resolve => {
		const stop = (): void => {
			process.removeListener('SIGINT', stop);
			process.removeListener('SIGTERM', stop);
			server.close(() => resolve());
			server.closeAllConnections();
		};
		process.on('SIGINT', stop);
		process.on('SIGTERM', stop);
	});
	return 0;
}

export async function hubUpdateCommand(name: string, options: Record<string, unknown>): Promise<number> {
	const directory = resolveInstanceDirectory(name);
	const kind = String(options['identity'] ?? 'host') as IdentityKind;
	const output = createBatchOutput({json: Boolean(options['json'])});
	const config = await loadInstanceConfig(directory);
	const hub = openHub(config.hub);
	// The members file is signed by the user key: read it before that key changes, sign it again after.
	const owner = {name: config.name, userId: config.userId};
	const members = kind === 'user' ? await readMembers(directory, owner) : undefined;
	const rotated = await rotateIdentity(path.join(directory, 'ampnode'), kind, hub);
	// The user's private key is never committed (it stays on this machine); the host's is, for deploy to ship.
	const files = (kind === 'user' ? (['public'] as const) : (['public', 'private'] as const)).map(part => `ampnode/${keyFileName(kind, rotated.id, part)}`);
	if (members !== undefined) {
		await writeMembers(directory, owner, members.members);
		files.push(`ampnode/${membersFileName}`);
	}
	const commit = await commitPaths(directory, {name: config.userName, email: config.userEmail}, files, `Rotate the ${kind}-${rotated.id} key`).catch(() => null);
	output.event(
		{type: 'rotated', kind, id: rotated.id, publicKey: rotated.publicKey, hub: config.hub, commit},
		`✓ ${kind}-${rotated.id}: new keypair registered with the hub (${config.hub}), signed with ${keyFileName(kind, rotated.id, 'control')}${commit ? `; committed ${commit}` : ''}`,
	);
	return 0;
}

export async function hubLookupCommand(hostId: string, options: Record<string, unknown>): Promise<number> {
	if (!/^[1-9]\d*$/.test(hostId)) throw new UsageError(`HOST-ID must be a host's id (a whole number from 1), not "${hostId}"`);
	const location = String(options['hub'] ?? 'embedded');
	const output = createBatchOutput({json: Boolean(options['json'])});
	const where = location === 'embedded' ? 'the embedded hub' : `the hub at ${location}`;
	const hub = openHub(location);
	let record;
	try {
		record = await hub.lookup('host', Number(hostId));
	} catch (error) {
		if (error instanceof HubRefusal && error.status === 404) {
			output.error(`ampzero: ${where} knows no host-${hostId}`);
			return 1;
		}
		throw error;
	}
	const announced = record.announced;
	if (!announced) {
		output.error(`ampzero: host-${hostId} is known to ${where} but has not announced an address (it announces while \`ampzero run\` runs, unless --no-hub)`);
		return 1;
	}
	// The hub is not trusted blindly: the host's key must carry the hub's signature (the hub key pinned
	// with --hub-key, else the one it serves), and the announce must be signed by that host key.
	const hubKey = await hub.publicKey();
	const pin = typeof options['hubKey'] === 'string' ? options['hubKey'] : undefined;
	if (pin !== undefined && !matchesFingerprint(hubKey.publicKey, pin)) {
		throw new AmpError(`${where} has the key ${hubKeyFingerprint(hubKey.publicKey)}, not the pinned ${pin}`);
	}
	if (!verifyPublicKey(record, hubKey) || !verifyDetached(announceStatement(announced), announced.signature, record.publicKey)) {
		throw new AmpError(`${where} answered an address for host-${hostId} that is not signed by that host's key; do not trust it`);
	}
	output.event(
		{hostId: announced.hostId, host: announced.host, port: announced.port, at: announced.at, sequence: announced.sequence},
		`host-${hostId}: ${announced.host}:${announced.port} (announced ${announced.at})`,
	);
	return 0;
}

function countFlag(value: unknown, flag: string): number {
	const text = String(value);
	if (!/^[1-9]\d*$/.test(text)) throw new UsageError(`${flag} must be a whole number from 1, not "${text}"`);
	return Number(text);
}
