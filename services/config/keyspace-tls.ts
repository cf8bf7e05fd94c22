import {readFileSync} from 'node:fs';
import path from 'node:path';
import {AmpError} from '../errors.js';
import type {ClientTls} from '../tls/transport.js';
import type {InstanceConfig} from './instance-config.js';
import {urlHost} from './hosts.js';
import {runPaths} from './paths.js';

/**
 * A single-machine keyspace speaks TLS on loopback and admits only clients showing a certificate,
 * exactly as a cluster's members do between hosts. Its CA and certificate are made on the machine
 * that runs the instance, in `<amprun root>/NAME/tls/` (0700, the daemons' user's when run as root):
 * they are never committed nor shipped, and the CA's key is deleted once the certificate is signed.
 */
export const localKeyspaceHost = 'local';

/** The files of the machine's own keyspace credential (absolute paths): the CA, and the certificate etcd serves with and its clients show. */
export function localKeyspaceTlsFiles(config: Pick<InstanceConfig, 'amprunRoot' | 'name'>): {directory: string; ca: string; cert: string; key: string} {
	const directory = runPaths(config).tls;
	return {
		directory,
		ca: path.join(directory, 'ca.cert'),
		cert: path.join(directory, 'hosts', `${localKeyspaceHost}.cert`),
		key: path.join(directory, 'hosts', `${localKeyspaceHost}.key`),
	};
}

/** The single member's client URL: `https://BIND:PORT`. */
export function localKeyspaceEndpoint(bindAddress: string, clientPort: number): string {
	return `https://${urlHost(bindAddress)}:${clientPort}`;
}

/** What a keyspace client trusts and shows: on a host of `hosts:` the instance CA and the host's certificate, else the machine's own credential. */
function keyspaceTlsFiles(config: InstanceConfig): {ca: string; cert: string; key: string} {
	return config.placement?.tls ?? localKeyspaceTlsFiles(config);
}

/** keyspaceTlsFiles, read (PEM). */
export function keyspaceClientTls(config: InstanceConfig): ClientTls {
	const files = keyspaceTlsFiles(config);
	try {
		return {ca: readFileSync(files.ca, 'utf8'), cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8')};
	} catch (error) {
		throw new AmpError(`cannot read the keyspace's client certificate (${(error as Error).message}); \`ampzero run ${config.name}\` makes it`);
	}
}
