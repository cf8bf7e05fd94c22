import {readFileSync} from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import {connects} from './connects.js';
import type {DaemonSpec, ReadyProbe} from './spec.js';

const attemptTimeoutMs = 1000;

/** The longest one attempt can take on a machine that lets this process run: a redis probe connects, then asks. */
export function probeAttemptBoundMs(probe: ReadyProbe): number {
	if (probe.kind === 'redis') return 2 * attemptTimeoutMs;
	return probe.kind === 'http' || probe.kind === 'tcp' ? attemptTimeoutMs : 0;
}

/** What one attempt at a probe found: passed, or why not (what the daemon answered, or the error on the way). */
export type ProbeAttempt = {passed: true} | {passed: false; why: string};

const passed: ProbeAttempt = {passed: true};
const failed = (why: string): ProbeAttempt => ({passed: false, why});

/** One attempt at a probe that asks over the network; log and none probes are decided elsewhere. */
export async function probeOnce(probe: ReadyProbe): Promise<boolean> {
	return (await probeAttempt(probe)).passed;
}

/** `probeOnce`, saying why an attempt failed: the reason a daemon that never passes is reported with. */
export async function probeAttempt(probe: ReadyProbe): Promise<ProbeAttempt> {
	switch (probe.kind) {
		case 'http':
			return httpAnswers2xx(probe.url, probe.tls);
		case 'tcp':
			return (await connects({host: probe.host, port: probe.port}, attemptTimeoutMs)) ? passed : failed(`no connection within ${attemptTimeoutMs} ms`);
		case 'redis':
			return redisAnswersPong(probe.host, probe.port, probe.password);
		case 'none':
			return passed;
		case 'log':
			return failed('no matching line yet');
	}
}

function httpAnswers2xx(url: string, tls?: {ca: string; cert: string; key: string}): Promise<ProbeAttempt> {
	return new Promise(resolve => {
		const client = url.startsWith('https:') ? https : http;
		let credential: https.RequestOptions;
		try {
			// Daemons of an instance serve the instance's self-signed certificate; one that admits only clients of its CA (the keyspace) is verified against it.
			credential = tls ? {ca: readFileSync(tls.ca), cert: readFileSync(tls.cert), key: readFileSync(tls.key)} : {rejectUnauthorized: false};
		} catch (error) {
			resolve(failed(`cannot read its TLS credential: ${(error as Error).message}`));
			return;
		}
		const request = client.get(url, {timeout: attemptTimeoutMs, agent: false, ...credential}, response => {
			response.resume();
			const status = response.statusCode ?? 0;
			resolve(status >= 200 && status < 300 ? passed : failed(`answered ${status}`));
		});
		request.on('timeout', () => request.destroy(new Error(`no answer within ${attemptTimeoutMs} ms`)));
		request.on('error', error => resolve(failed(error.message)));
	});
}

/**
 * AUTH then PING through ioredis (loaded only for a redis probe), one connection per attempt with
 * no retries: the supervisor's probe loop is the retry.
 */
async function redisAnswersPong(host: string, port: number, password: string): Promise<ProbeAttempt> {
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
	// A refused or failed attempt is an answer ("not yet"), not an error to report; the first error says
	// why better than the "Connection is closed." that connect() rejects with after it.
	const seen: {cause?: Error} = {};
	redis.on('error', (error: Error) => (seen.cause ??= error));
	const began = Date.now();
	try {
		await redis.connect();
		const answer = await redis.ping();
		return answer === 'PONG' ? passed : failed(`PING answered ${String(answer)}`);
	} catch (error) {
		return failed(`${(seen.cause ?? (error as Error)).message} after ${Date.now() - began} ms`);
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

