import {X509Certificate} from 'node:crypto';
import {mkdir, readFile} from 'node:fs/promises';
import {isIP} from 'node:net';
import path from 'node:path';
import {AmpError} from '../errors.js';
import {writeSelfSignedCertificate} from '../tls/self-signed.js';

export interface HubTls {
	cert: Buffer;
	key: Buffer;
	certFile: string;
	/** SHA-256 of the certificate, as `openssl x509 -fingerprint -sha256` prints it. */
	fingerprint: string;
	selfSigned: boolean;
}

/** The certificate `hub serve --https` uses: the files given, else a self-signed one kept in `<state>/tls/` (made once). */
export async function hubTls(stateDirectory: string, host: string, files: {cert?: string; key?: string}): Promise<HubTls> {
	if ((files.cert === undefined) !== (files.key === undefined)) throw new AmpError('--cert and --key go together: give both, or neither for a self-signed certificate');
	let certFile = files.cert;
	let keyFile = files.key;
	const selfSigned = certFile === undefined;
	if (certFile === undefined || keyFile === undefined) {
		const directory = path.join(stateDirectory, 'tls');
		certFile = path.join(directory, 'hub.cert');
		keyFile = path.join(directory, 'hub.key');
		if (!(await readFile(certFile).then(() => true, () => false))) await makeCertificate(directory, certFile, keyFile, host);
	}
	const [cert, key] = await Promise.all([readPem(certFile, '--cert'), readPem(keyFile, '--key')]);
	let fingerprint: string;
	try {
		fingerprint = new X509Certificate(cert).fingerprint256;
	} catch {
		throw new AmpError(`${certFile} is not a PEM certificate`);
	}
	return {cert, key, certFile, fingerprint, selfSigned};
}

async function readPem(file: string, flag: string): Promise<Buffer> {
	try {
		return await readFile(file);
	} catch (error) {
		throw new AmpError(`cannot read ${file} (${flag}): ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
	}
}

async function makeCertificate(directory: string, certFile: string, keyFile: string, host: string): Promise<void> {
	await mkdir(directory, {recursive: true, mode: 0o700});
	const names = new Set(['DNS:localhost', 'IP:127.0.0.1']);
	if (host !== '0.0.0.0' && host !== '::') names.add(isIP(host) ? `IP:${host}` : `DNS:${host}`);
	await writeSelfSignedCertificate({cert: certFile, key: keyFile}, '/CN=ampzero hub', [`subjectAltName=${[...names].join(',')}`]);
}
