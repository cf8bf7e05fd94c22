import {randomBytes} from 'node:crypto';
import {chmod, rename, rm} from 'node:fs/promises';
import path from 'node:path';
import {secretFileMode, syncDirectory} from '../system/atomic-write.js';
import {runProgram} from '../system/run-program.js';

export const certificateFiles = {cert: 'nginx/server.cert', key: 'nginx/server.key'} as const;

/**
 * Makes nginx's self-signed certificate with the openssl CLI: an EC P-256 key (fast to make),
 * valid ten years for the host name, localhost and 127.0.0.1. Both files appear together.
 */
export async function makeSelfSignedCertificate(instanceRoot: string, hostName: string, signal?: AbortSignal): Promise<void> {
	const suffix = randomBytes(6).toString('hex');
	const cert = path.join(instanceRoot, certificateFiles.cert);
	const key = path.join(instanceRoot, certificateFiles.key);
	const temporaryCert = `${cert}.${suffix}.tmp`;
	const temporaryKey = `${key}.${suffix}.tmp`;
	const names = [...new Set([`DNS:${hostName}`, 'DNS:localhost', 'IP:127.0.0.1'])];
	try {
		await runProgram('openssl', [
			'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
			'-keyout', temporaryKey, '-out', temporaryCert, '-days', '3650',
			'-subj', `/CN=${hostName}`, '-addext', `subjectAltName=${names.join(',')}`,
		], {signal});
		await chmod(temporaryKey, secretFileMode);
		await rename(temporaryKey, key);
		await rename(temporaryCert, cert);
		await syncDirectory(path.dirname(cert));
	} finally {
		await rm(temporaryCert, {force: true});
		await rm(temporaryKey, {force: true});
	}
}
