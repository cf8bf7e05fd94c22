/** Where an instance keeps its certificate authority and each host's certificate and key, relative to the instance directory (see services/instance/tls-authority.ts). */
export const authorityFiles = {cert: 'tls/ca.cert', key: 'tls/ca.key'} as const;

/** A host's own certificate and key (the key is sent to that host only). */
export function hostCertificateFiles(hostName: string): {cert: string; key: string} {
	return {cert: `tls/hosts/${hostName}.cert`, key: `tls/hosts/${hostName}.key`};
}
