import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runPaths} from '../../services/config/paths.js';
import {connectSupervisor} from '../../services/supervisor/client.js';
import type {DaemonStatus, SupervisorCommand, SupervisorConnection} from '../../services/supervisor/events.js';
import {getUrl} from '../helpers/https-request.js';
import {makeTestInstance, runAmpzero, type TestInstance} from '../helpers/instance.js';
import {endInstance} from '../helpers/run-processes.js';

/*
 * With two ampnodes behind nginx, a request that fails on one (refused: it is stopped, or was just
 * killed) is sent to the other: the client sees 200 every time.
 */
let instance: TestInstance;
const seenGroups = new Set<number>();

async function daemons(): Promise<DaemonStatus[]> {
	const connection = await connectSupervisor(runPaths(instance.config).supervisorSocket, 2000);
	try {
		const {value} = await connection.events()[Symbol.asyncIterator]().next();
		if (value?.type !== 'snapshot') throw new Error('no snapshot from the supervisor');
		for (const daemon of value.daemons) if (daemon.pid) seenGroups.add(daemon.pid);
		return value.daemons;
	} finally {
		connection.close();
	}
}

/** Sends a command over a connection kept open and read (one closed with unread events is reset, and the command may be lost with it). */
async function send(command: SupervisorCommand): Promise<void> {
	if (!commands) {
		const connection = await connectSupervisor(runPaths(instance.config).supervisorSocket, 2000);
		void (async () => {
			for await (const event of connection.events()) void event;
		})();
		commands = connection;
	}
	await commands.send(command);
}
let commands: SupervisorConnection | undefined;

async function waitFor(check: (list: DaemonStatus[]) => boolean, what: string): Promise<DaemonStatus[]> {
	const deadline = Date.now() + 20_000;
	for (;;) {
		const list = await daemons();
		if (check(list)) return list;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(list)}`);
		await new Promise(resolve => setTimeout(resolve, 50));
	}
}

/** `count` GETs of /health through nginx, `gapMs` apart: each answer's status and the ampnode port that served it. */
async function health(count: number, gapMs: number): Promise<Array<{status: number; port: number | null}>> {
	const answers: Array<{status: number; port: number | null}> = [];
	for (let index = 0; index < count; index++) {
		const response = await getUrl(`https://127.0.0.1:${instance.config.ports.frontend}/health`);
		answers.push({status: response.status, port: response.status === 200 ? (JSON.parse(response.body) as {port: number}).port : null});
		await new Promise(resolve => setTimeout(resolve, gapMs));
	}
	return answers;
}

beforeAll(async () => {
	instance = await makeTestInstance({name: 'retry', ampnodes: 2});
	const result = await runAmpzero(['run', instance.directory, '--batch', '--no-nat-bypass', '--no-hub'], {home: instance.home, env: {CI: '1'}, timeoutMs: 90_000});
	if (result.code !== 0) throw new Error(`run --batch exited ${result.code}:\n${result.stderr}${result.stdout}`);
}, 120_000);

afterAll(async () => {
	commands?.close();
	await endInstance(instance, seenGroups);
}, 60_000);

describe('nginx in front of two ampnodes', () => {
	it('sends a request that one ampnode refuses (stopped, or just killed) to the other: every answer is 200', async () => {
		const [first, second] = instance.config.ports.ampnode;
		const both = await health(10, 0);
		expect(both.map(answer => answer.status)).toEqual(Array(10).fill(200));
		expect(new Set(both.map(answer => answer.port))).toEqual(new Set([first, second]));

		// The first ampnode stopped: its port refuses; over 2.5 s (past the 1 s it is set aside after a failure,
		// so nginx tries it again and is refused again) every request is answered by the second.
		await send({type: 'stop', daemon: 'ampnode'});
		await waitFor(list => list.find(daemon => daemon.name === 'ampnode')?.state === 'stopped', 'the first ampnode to stop');
		const whileStopped = await health(50, 50);
		expect(whileStopped).toEqual(Array(50).fill({status: 200, port: second}));

		await send({type: 'start', daemon: 'ampnode'});
		const list = await waitFor(daemonsNow => daemonsNow.every(daemon => daemon.state === 'ready'), 'the first ampnode to be ready again');
		await new Promise(resolve => setTimeout(resolve, 1100));

		// The second killed with -9: the requests that meet it dead go to the first, while the supervisor restarts it.
		const victim = list.find(daemon => daemon.name === 'ampnode-2')!;
		process.kill(victim.pid!, 'SIGKILL');
		const whileKilled = await health(40, 25);
		expect(whileKilled.map(answer => answer.status)).toEqual(Array(40).fill(200));
		expect(whileKilled.map(answer => answer.port)).toContain(first);
		await waitFor(daemonsNow => daemonsNow.every(daemon => daemon.state === 'ready' && daemon.pid !== victim.pid), 'the second ampnode to be restarted');
	}, 90_000);
});
