import {chmod, rm} from 'node:fs/promises';
import path from 'node:path';
import type {InstanceConfig} from '../config/amprun.js';
import {localKeyspaceHost, localKeyspaceTlsFiles} from '../config/keyspace-tls.js';
import {runPaths} from '../config/paths.js';
import {makeDirectories} from '../files/make-directories.js';
import {authorityFiles, ensureAuthority, hostCertificateFits, makeHostCertificate} from '../instance/tls-authority.js';

/**
 * Makes the single-machine keyspace's credential unless one fits (signed by its CA, naming
 * bind_address): a CA of its own, and one certificate that etcd serves with and its clients (the
 * supervisor's readiness probe, ampnode) show. The CA's key is deleted once it has signed, so
 * nothing on this machine can make a second credential; a new bind_address makes both again.
 */
export async function ensureLocalKeyspaceCredential(config: Pick<InstanceConfig, 'amprunRoot' | 'name' | 'bindAddress'>, signal?: AbortSignal): Promise<boolean> {
	const root = runPaths(config).root;
	const files = localKeyspaceTlsFiles(config);
	await makeDirectories(files.directory, 0o700);
	await chmod(files.directory, 0o700);
	const host = {name: localKeyspaceHost, address: config.bindAddress};
	if (await hostCertificateFits(root, host)) return false;
	for (const file of [files.ca, path.join(root, authorityFiles.key), files.cert, files.key]) await rm(file, {force: true});
	await ensureAuthority(root, `${config.name} (this machine's keyspace)`, signal);
	try {
		await makeHostCertificate(root, host, signal);
	} finally {
		await rm(path.join(root, authorityFiles.key), {force: true});
	}
	return true;
}
