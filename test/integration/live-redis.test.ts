import {spawn, type ChildProcess} from 'node:child_process';
import {afterEach, describe, expect, it} from 'vitest';
import type {InstanceConfig} from '../../services/config/amprun.js';
import {connectLiveRedis, connectWhenUp} from '../../services/daemons/live-redis.js';
import {probeOnce} from '../../services/supervisor/probes.js';
import {freePort} from '../helpers/ports.js';

const password = 'test-password-0123456789';
const started: ChildProcess[] = [];
const clients: Array<{disconnect(): void}> = [];
afterEach(() => {
	for (const client of clients.splice(0)) client.disconnect();
	for (const child of started.splice(0)) child.kill('SIGKILL');
});
process.on('exit', () => {
	for (const child of started) child.kill('SIGKILL');
});

function startRedis(port: number): ChildProcess {
	const child = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', password, '--save', '', '--appendonly', 'no'], {stdio: 'ignore'});
	started.push(child);
	return child;
}

function client(port: number) {
	const redis = connectLiveRedis({bindAddress: '127.0.0.1', ports: {redisLive: port} as InstanceConfig['ports'], redisPassword: password});
	clients.push(redis);
	return redis;
}

describe('the live redis connection ampnode opens while redis is still starting', () => {
	it('waits for a redis that comes up after it started connecting', async () => {
		const port = await freePort();
		const redis = client(port);
		const connecting = connectWhenUp(redis, 10_000);
		await new Promise(resolve => setTimeout(resolve, 400));
		startRedis(port);
		await connecting;
		expect(await redis.ping()).toBe('PONG');
	});

	it('gives up after its time with the connection error', async () => {
		const port = await freePort();
		const redis = client(port);
		await expect(connectWhenUp(redis, 500)).rejects.toThrow(/ECONNREFUSED/);
	});
});

describe('the readiness probe of a redis daemon', () => {
	it('passes once redis answers PING after AUTH, and not before, nor with a wrong password', async () => {
		const port = await freePort();
		const probe = {kind: 'redis', host: '127.0.0.1', port, password} as const;
		expect(await probeOnce(probe)).toBe(false);
		startRedis(port);
		const deadline = Date.now() + 5000;
		while (!(await probeOnce(probe))) {
			if (Date.now() > deadline) throw new Error('redis never answered the probe');
			await new Promise(resolve => setTimeout(resolve, 25));
		}
		expect(await probeOnce({...probe, password: 'wrong'})).toBe(false);
	});
});
