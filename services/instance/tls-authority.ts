import {X509Certificate, randomBytes} from 'node:crypto';
import {access, chmod, mkdir, readFile, rename, rm, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {AmpError} from '../errors.js';
import {secretFileMode, syncDirectory} from '../system/atomic-write.js';
import {runProgram} from '../system/run-program.js';
import {writeSelfSignedCertificate} from '../tls/self-signed.js';
import {authorityFiles, hostCertificateFiles} from '../config/tls-files.js';

/**
 * The instance's own small certificate authority: it signs one certificate per host of the topology,
 * which that host uses for everything TLS between hosts (etcd peer and client traffic, serving zerodata
 * and logstore, and as a client certificate). The CA key (0600) stays on the machine that ran init:
 * git-ignored, never in a release, so a host added later gets its certificate there; `init --clobber`
 * never replaces the CA.
 */
export {authorityFiles, hostCertificateFiles} from '../config/tls-files.js';

export interface HostCertificateSubject {
	name: string;
	address: string;
}

async function exists(file: string): Promise<boolean> {
	return access(file).then(
		() => true,
		() => false,
	);
}

/**
 * Makes the CA unless the instance has one; whether it made it. A CA certificate without its key (a
 * clone of the repository on another machine) is kept: replacing it would orphan every host's
 * certificate, so signing one there fails instead (`makeHostCertificate`).
 */
export async function ensureAuthority(instanceRoot: string, instanceName: string, signal?: AbortSignal): Promise<boolean> {
	const cert = path.join(instanceRoot, authorityFiles.cert);
	const key = path.join(instanceRoot, authorityFiles.key);
	if (await exists(cert)) return false;
	await mkdir(path.dirname(cert), {recursive: true, mode: 0o755});
	// The key lands first (writeSelfSignedCertificate renames it before the certificate): a CA certificate
	// without its key would stop init from ever making one again.
	await writeSelfSignedCertificate({cert, key}, `/CN=ampzero instance ${instanceName} CA`, ['basicConstraints=critical,CA:TRUE,pathlen:0', 'keyUsage=critical,keyCertSign,cRLSign'], signal);
	return true;
}

/** Whether the host's certificate exists, was signed by this CA and names the host's address. */
export async function hostCertificateFits(instanceRoot: string, host: HostCertificateSubject): Promise<boolean> {
	const files = hostCertificateFiles(host.name);
	try {
		const certificate = new X509Certificate(await readFile(path.join(instanceRoot, files.cert)));
		const authority = new X509Certificate(await readFile(path.join(instanceRoot, authorityFiles.cert)));
		if (!(await exists(path.join(instanceRoot, files.key)))) return false;
		return certificate.checkIssued(authority) && certificate.verify(authority.publicKey) && certificate.checkIP(host.address) !== undefined;
	} catch {
		return false;
	}
}

/**
 * Signs a certificate for one host with the CA: server and client use, valid for the host's address,
 * its name, and loopback. Replaces an older one atomically (key and certificate each by rename).
 */
export async function makeHostCertificate(instanceRoot: string, host: HostCertificateSubject, signal?: AbortSignal): Promise<void> {
	const files = hostCertificateFiles(host.name);
	const cert = path.join(instanceRoot, files.cert);
	const key = path.join(instanceRoot, files.key);
	await checkCanSign(instanceRoot, [host]);
	await mkdir(path.dirname(cert), {recursive: true, mode: 0o755});
	const suffix = randomBytes(6).toString('hex');
	const temporary = (file: string): string => `${file}.${suffix}.tmp`;
	const request = temporary(`${cert}.csr`);
	const extensions = temporary(`${cert}.ext`);
	const names = [...new Set([`IP:${host.address}`, `DNS:${host.name}`, 'DNS:localhost', 'IP:127.0.0.1'])];
	try {
		await runProgram('openssl', [
			'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
			'-keyout', temporary(key), '-out', request, '-subj', `/CN=${host.name}`,
		], {signal});
		await writeFile(extensions, [
			'basicConstraints=critical,CA:FALSE',
			'keyUsage=critical,digitalSignature,keyEncipherment',
			'extendedKeyUsage=serverAuth,clientAuth',
			`subjectAltName=${names.join(',')}`,
			'',
		].join('\n'));
		await runProgram('openssl', [
			'x509', '-req', '-in', request, '-CA', path.join(instanceRoot, authorityFiles.cert), '-CAkey', path.join(instanceRoot, authorityFiles.key),
			'-set_serial', `0x${randomBytes(16).toString('hex')}`, '-days', '3650', '-extfile', extensions, '-out', temporary(cert),
		], {signal});
		await chmod(temporary(key), secretFileMode);
		await rename(temporary(key), key);
		await rename(temporary(cert), cert);
		await syncDirectory(path.dirname(cert));
	} finally {
		for (const file of [temporary(cert), temporary(key), request, extensions]) await rm(file, {force: true});
	}
}

/**
 * Throws, saying what to do, when some of `hosts` need a certificate and the CA's key is not here (while
 * the CA certificate is: without it a new CA is made).
 */
export async function checkCanSign(instanceRoot: string, hosts: readonly HostCertificateSubject[]): Promise<void> {
	if (await exists(path.join(instanceRoot, authorityFiles.key))) return;
	if (!(await exists(path.join(instanceRoot, authorityFiles.cert)))) return;
	const unsigned: string[] = [];
	for (const host of hosts) if (!(await hostCertificateFits(instanceRoot, host))) unsigned.push(host.name);
	if (unsigned.length === 0) return;
	throw new AmpError(`${unsigned.join(', ')} ${unsigned.length === 1 ? 'needs a certificate' : 'need certificates'} signed by the instance's CA, but its key (${authorityFiles.key}) is not on this machine`, 1, [
		`${authorityFiles.key} never leaves the machine that ran init: run \`ampzero init --clobber\` there`,
		`or, to make a new CA here (every host's certificate is signed again and goes out with the next deploy), remove ${authorityFiles.cert} first`,
	]);
}

/** Makes the certificate of every host that has none fitting; the names of those made. */
export async function ensureHostCertificates(instanceRoot: string, hosts: readonly HostCertificateSubject[], signal?: AbortSignal): Promise<string[]> {
	const made: string[] = [];
	for (const host of hosts) {
		if (await hostCertificateFits(instanceRoot, host)) continue;
		await makeHostCertificate(instanceRoot, host, signal);
		made.push(host.name);
	}
	return made;
}
