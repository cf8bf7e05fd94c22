import https from 'node:https';
import http from 'node:http';
import type {InstanceConfig} from '../config/amprun.js';
import {urlHost, type TopologyHost} from '../config/hosts.js';
import type {DeployHostConfig} from './config.js';

/** One HTTPS GET (the instance's certificate is its own, so it is not checked here); resolves the status or the error's message. */
export function httpsStatus(host: string, port: number, path: string, timeoutMs: number): Promise<{status?: number; error?: string}> {
	return urlStatus(`https://${urlHost(host)}:${port}${path}`, timeoutMs);
}

/** One GET of a URL (http or https; a self-signed certificate is accepted); resolves the status or the error's code. */
export function urlStatus(url: string, timeoutMs: number): Promise<{status?: number; error?: string}> {
	return new Promise(resolve => {
		const get = url.startsWith('http://') ? http.get : https.get;
		const request = get(url, {rejectUnauthorized: false, timeout: timeoutMs, agent: false}, response => {
			response.resume();
			response.on('end', () => resolve({status: response.statusCode ?? 0}));
			response.on('error', error => resolve({error: error.message}));
		});
		request.on('timeout', () => request.destroy(new Error(`no answer in ${timeoutMs} ms`)));
		request.on('error', error => resolve({error: (error as NodeJS.ErrnoException).code ?? error.message}));
	});
}

/**
 * Where a host's health is asked, as a client would: deployment.yaml's `health_url` when given, else
 * the frontend of the host's amprun.yaml `hosts:` entry (its address), else the address the SSH
 * connection really went to (after ~/.ssh/config's HostName, never an alias), at the frontend port.
 */
export function healthUrlOf(host: DeployHostConfig, entry: TopologyHost | undefined, instance: InstanceConfig, healthPath: string, connectedTo?: string): string {
	if (host.healthUrl) return host.healthUrl;
	const address = entry?.address ?? connectedTo ?? host.host;
	return `https://${urlHost(address)}:${instance.ports.frontend}${healthPath}`;
}

/** Asks until the answer is 200 or the time is up; resolves the last answer seen. */
export async function waitForHealthy(url: string, timeoutMs: number, signal?: AbortSignal): Promise<{ok: boolean; last: string}> {
	const deadline = Date.now() + timeoutMs;
	let last = 'no answer';
	while (Date.now() < deadline && !signal?.aborted) {
		const answer = await urlStatus(url, Math.min(5000, Math.max(500, deadline - Date.now())));
		if (answer.status === 200) return {ok: true, last: '200'};
		last = answer.status !== undefined ? `HTTP ${answer.status}` : (answer.error ?? 'no answer');
		await new Promise(resolve => setTimeout(resolve, 200));
	}
	return {ok: false, last};
}
