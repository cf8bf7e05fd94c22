import http from 'node:http';
import https from 'node:https';

export interface SimpleResponse {
	status: number;
	headers: http.IncomingHttpHeaders;
	body: string;
}

/**
 * One GET without following redirects; https accepts the instance's self-signed certificate.
 * `localhost` is replaced by 127.0.0.1 (the daemons bind loopback IPv4 only).
 */
export function getUrl(url: string, headers: Record<string, string> = {}): Promise<SimpleResponse> {
	const target = new URL(url);
	if (target.hostname === 'localhost') target.hostname = '127.0.0.1';
	const client = target.protocol === 'https:' ? https : http;
	return new Promise((resolve, reject) => {
		const request = client.get(target, {headers, rejectUnauthorized: false, agent: false, timeout: 10_000}, response => {
			const chunks: Buffer[] = [];
			response.on('data', (chunk: Buffer) => chunks.push(chunk));
			response.on('end', () => resolve({status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8')}));
			response.on('error', reject);
		});
		request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
		request.on('error', reject);
	});
}

/** The `name=value` part of a Set-Cookie header for the cookie `name`. */
export function cookieFrom(response: SimpleResponse, name: string): string | undefined {
	return (response.headers['set-cookie'] ?? []).map(cookie => cookie.split(';')[0] ?? '').find(pair => pair.startsWith(`${name}=`));
}
