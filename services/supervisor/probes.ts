import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import {connects} from './connects.js';
import type {ReadyProbe} from './spec.js';

const attemptTimeoutMs = 1000;

/** One attempt at a probe that asks over the network; log and none probes are decided elsewhere. */
export async function probeOnce(probe: ReadyProbe): Promise<boolean> {
	switch (probe.kind) {
		case 'http':
			return httpAnswers2xx(probe.url);
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

function httpAnswers2xx(url: string): Promise<boolean> {
	return new Promise(resolve => {
		const client = url.startsWith('https:') ? https : http;
		// Daemons of an instance serve the instance's self-signed certificate.
		const request = client.get(url, {timeout: attemptTimeoutMs, rejectUnauthorized: false, agent: false}, response => {
			response.resume();
			const status = response.statusCode ?? 0;
			resolve(status >= 200 && status < 300);
		});
		request.on('timeout', () => request.destroy());
		request.on('error', () => resolve(false));
	});
}


function redisCommand(...words: string[]): string {
	return `*${words.length}\r\n${words.map(word => `$${Buffer.byteLength(word)}\r\n${word}\r\n`).join('')}`;
}

function redisAnswersPong(host: string, port: number, password: string): Promise<boolean> {
	return new Promise(resolve => {
		const socket = net.connect({host, port});
		let answer = '';
		const done = (result: boolean): void => {
			socket.destroy();
			resolve(result);
		};
		socket.setTimeout(attemptTimeoutMs, () => done(false));
		socket.once('connect', () => socket.write((password ? redisCommand('AUTH', password) : '') + redisCommand('PING')));
		socket.on('data', chunk => {
			answer += chunk.toString('latin1');
			if (answer.includes('+PONG\r\n')) done(true);
			else if (answer.startsWith('-') || answer.includes('\r\n-')) done(false);
		});
		socket.once('error', () => done(false));
		socket.once('close', () => done(false));
	});
}
