import path from 'node:path';
import {writeSelfSignedCertificate} from '../tls/self-signed.js';

export const certificateFiles = {cert: 'nginx/server.cert', key: 'nginx/server.key'} as const;

/**
 * Makes nginx's self-signed certificate: valid ten years for the host name, localhost and 127.0.0.1.
 */
export async function makeSelfSignedCertificate(instanceRoot: string, hostName: string, signal?: AbortSignal): Promise<void> {
	const names = [...new Set([`DNS:${hostName}`, 'DNS:localhost', 'IP:127.0.0.1'])];
	await writeSelfSignedCertificate({cert: path.join(instanceRoot, certificateFiles.cert), key: path.join(instanceRoot, certificateFiles.key)}, `/CN=${hostName}`, [`subjectAltName=${names.join(',')}`], signal);
}
