import http from 'node:http';
import https from 'node:https';
import {AmpError} from '../errors.js';

/** The instance CA a client verifies the server against, and the certificate it shows (PEM). */
export interface ClientTls {
	ca: string;
	cert: string;
	key: string;
}

export interface Transport {
	request: typeof http.request;
	agent: http.Agent;
	defaultPort: number;
}

/**
 * How a client reaches one of the instance's daemons: plain HTTP (loopback, one machine), or HTTPS
 * verified against the instance's CA only (between hosts). An https URL without the CA is refused
 * rather than trusted against the system's store.
 */
export function transportFor(url: URL, what: string, tls: ClientTls | undefined, maxSockets: number): Transport {
	if (url.protocol === 'http:') return {request: http.request, agent: new http.Agent({keepAlive: true, maxSockets}), defaultPort: 80};
	if (url.protocol !== 'https:') throw new AmpError(`${what} URL ${url.href} must start with http:// or https://`);
	if (!tls) throw new AmpError(`${what} URL ${url.href} is https, but this host has no certificate of the instance's CA: add it to amprun.yaml hosts: and run \`ampzero init --clobber\``);
	return {
		request: https.request,
		agent: new https.Agent({keepAlive: true, maxSockets, ca: tls.ca, cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2'}),
		defaultPort: 443,
	};
}
