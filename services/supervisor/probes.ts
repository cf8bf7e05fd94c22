import {readFileSync} from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import {connects} from './connects.js';
import type {DaemonSpec, ReadyProbe} from './spec.js';

const attemptTimeoutMs = 1000;

/** One attempt at a probe that asks over the network; log and none probes are decided elsewhere. */
export async function probeOnce(probe: ReadyProbe): Promise<boolean> {
	switch (probe.kind) {
		case 'http':
			return httpAnswers2xx(probe.url, probe.tls);
		case 'tcp':
			return connects({host: probe.host, port: probe.port}, attemptTimeoutMs);
		case 'redis':
			return redisAnswersPong(probe.host, probe.port, probe.password);
		case 'none':
			return true;
		case 'log':
			return false;
	}
}

function httpAnswers2xx(url: string, tls?: {ca: string; cert: string; key: string}): Promise<boolean> {
	return new Promise(resolve => {
		const client = url.startsWith('https:') ? https : http;
		let credential: https.RequestOptions;
		try {
			// Daemons of an instance serve the instance's self-signed certificate; one that admits only clients of its CA (the keyspace) is verified against it.
			credential = tls ? {ca: readFileSync(tls.ca), cert: readFileSync(tls.cert), key: readFileSync(tls.key)} : {rejectUnauthorized: false};
		} catch {
			resolve(false);
			return;
		}
		const request = client.get(url, {timeout: attemptTimeoutMs, agent: false, ...credential}, response => {
			response.resume();
			const status = response.statusCode ?? 0;
			resolve(status >= 200 && status < 300);
		});
		request.on('timeout', () => request.destroy());
		request.on('error', () => resolve(false));
	});
}

/**
 * AUTH then PING through ioredis (loaded only for a redis probe), one connection per attempt with
 * no retries: the supervisor's probe loop is the retry.
 */
async function redisAnswersPong(host: string, port: number, password: string): Promise<boolean> {
	const {Redis} = await import('ioredis');
	const redis = new Redis({
		host,
		port,
		...(password ? {password} : {}),
		lazyConnect: true,
		connectTimeout: attemptTimeoutMs,
		commandTimeout: attemptTimeoutMs,
		maxRetriesPerRequest: 0,
		retryStrategy: () => null,
		enableOfflineQueue: false,
	});
	// A refused or failed attempt is an answer ("not yet"), not an error to report.
	redis.on('error', () => {});
	try {
		await redis.connect();
		return (await redis.ping()) === 'PONG';
	} catch {
		return false;
	} finally {
		redis.disconnect();
	}
}

/** Why a daemon's readiness probe did not pass, for its 'not ready after N s'. */
export function describeProbe(spec: DaemonSpec): string {
	const probe = spec.ready;
	switch (probe.kind) {
		case 'http':
			return `GET ${probe.url} did not answer 2xx`;
		case 'tcp':
			return `nothing accepted connections on ${probe.host}:${probe.port}`;
		case 'redis':
			return `redis on ${probe.host}:${probe.port} did not answer PING`;
		case 'log':
			return `no output line matched /${probe.pattern}/`;
		case 'none':
			return 'it did not stay up';
	}
}

