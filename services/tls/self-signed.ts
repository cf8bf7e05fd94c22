import {randomBytes} from 'node:crypto';
import {chmod, rename, rm} from 'node:fs/promises';
import path from 'node:path';
import {secretFileMode, syncDirectory} from '../system/atomic-write.js';
import {runProgram} from '../system/run-program.js';

/**
 * Makes a self-signed certificate and its key with the openssl CLI: an EC P-256 key (fast to make),
 * valid ten years, with `subject` and each of `extensions` (`-addext`). Written beside their final
 * names and renamed into place, the key (0600) first: both files appear, or neither.
 */
export async function writeSelfSignedCertificate(files: {cert: string; key: string}, subject: string, extensions: readonly string[], signal?: AbortSignal): Promise<void> {
	const suffix = randomBytes(6).toString('hex');
	const temporaryCert = `${files.cert}.${suffix}.tmp`;
	const temporaryKey = `${files.key}.${suffix}.tmp`;
	try {
		await runProgram(
			'openssl',
			[
				'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
				'-keyout', temporaryKey, '-out', temporaryCert, '-days', '3650',
				'-subj', subject, ...extensions.flatMap(extension => ['-addext', extension]),
			],
			signal ? {signal} : {},
		);
		await chmod(temporaryKey, secretFileMode);
		await rename(temporaryKey, files.key);
		await rename(temporaryCert, files.cert);
		await syncDirectory(path.dirname(files.cert));
	} finally {
		await rm(temporaryCert, {force: true});
		await rm(temporaryKey, {force: true});
	}
}
