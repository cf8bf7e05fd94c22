import {describe, expect, it} from 'vitest';
import type {DeployEvent} from '../../services/deploy/events.js';
import {deployRecord, printDeploy, printDeployPlan} from '../../source/deploy-output.js';
import type {BatchOutput} from '../../source/output.js';
import {deployUpTo, hostNames, outputLines, planOf, ScriptedDeploy, startStep, successEnd} from '../screens/deploy-fixtures.js';

/** A BatchOutput that keeps what it prints. */
function memoryOutput(json = false): BatchOutput & {stdout: string[]; stderr: string[]} {
	const stdout: string[] = [];
	const stderr: string[] = [];
	return {
		json,
		stdout,
		stderr,
		line(text) {
			if (!json) stdout.push(text);
		},
		event(record, text) {
			if (json) stdout.push(JSON.stringify(record));
			else if (text !== undefined) stdout.push(text);
		},
		error(text) {
			stderr.push(text);
		},
	};
}

function scripted(...events: DeployEvent[]): ScriptedDeploy {
	const deploy = new ScriptedDeploy();
	deploy.push(...events);
	deploy.end();
	return deploy;
}

const plan = planOf(hostNames(3));
const [web1, web2, db] = plan.hosts.map(host => host.host) as [string, string, string];

/** web2's pre_update fails; every host goes back. */
function failedDeploy(): DeployEvent[] {
	return [
		...deployUpTo(plan, 'pre-update'),
		...startStep(plan, 'pre-update'),
		...outputLines(web2, 'pre-update', ['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'Error: redis-data refused the connection']),
		{type: 'step-end', host: web1, step: 'pre-update', ok: true, ms: 1200},
		{type: 'step-end', host: web2, step: 'pre-update', ok: false, ms: 2100, error: 'pre_update exited with code 1'},
		{type: 'step-end', host: db, step: 'pre-update', ok: true, ms: 1300},
		{type: 'phase', phase: 'rolling-back', at: 1},
		{type: 'host-state', host: web1, state: 'rolling-back'},
		{type: 'host-state', host: web1, state: 'rolled-back'},
		{type: 'host-state', host: db, state: 'rolled-back'},
		{type: 'phase', phase: 'rolled-back', at: 2},
		{
			type: 'deploy-end',
			ok: false,
			phase: 'rolled-back',
			ms: 15_300,
			error: `pre-update failed on ${web2}`,
			hosts: [
				{host: web1, state: 'rolled-back', release: 'ampify-0000000001', stepMs: {connect: 100, transfer: 900}},
				{host: web2, state: 'failed', release: 'ampify-0000000001', stepMs: {connect: 100, 'pre-update': 2100}},
				{host: db, state: 'rolled-back', stepMs: {connect: 120}},
			],
		},
	];
}

describe('deploy --batch', () => {
	it('prints a line per host per step, the phases and a summary; exit 0 on success', async () => {
		const out = memoryOutput();
		const code = await printDeploy(scripted(...deployUpTo(plan, 'unlock'), ...startStep(plan, 'unlock'), successEnd(plan)), out);
		expect(code).toBe(0);
		expect(out.stderr).toEqual([]);
		expect(out.stdout[0]).toBe(
			`deploy of kickass: ampify-3f9a0c12de instance-8b7e61d0a4 to 3 hosts (deploy ${plan.deployId}; every remote command's output: ${plan.logFile})`,
		);
		expect(out.stdout[1]).toBe('phase: deploying');
		// 18 steps passed before unlock, a line each on each host.
		expect(out.stdout.filter(line => / ok \d/.test(line))).toHaveLength(18 * 3);
		expect(out.stdout).toContain('root@web1.example.net      connect         ok 1.4 s');
		expect(out.stdout).toContain('root@web1.example.net      transfer        ok 1.4 s 34.2 kB patch');
		expect(out.stdout).toContain('deploy@db.example.net:2222 transfer        ok 1.4 s 18.4 MB full');
		const summary = out.stdout.slice(out.stdout.indexOf('summary:'));
		expect(summary).toEqual([
			'summary:',
			'  root@web1.example.net      done         26.6 s 34.2 kB patch ampify-3f9a0c12de',
			'  root@web2.example.net      done         26.6 s 35.2 kB patch ampify-3f9a0c12de',
			'  deploy@db.example.net:2222 done         26.6 s 18.4 MB full  ampify-3f9a0c12de',
			'deployed ampify-3f9a0c12de instance-8b7e61d0a4 to 3 hosts in 28.9 s',
		]);
	});

	it('a failed step: FAILED with its error and its last output lines, the rollback, exit 1', async () => {
		const out = memoryOutput();
		const code = await printDeploy(scripted(...failedDeploy()), out);
		expect(code).toBe(1);
		const at = out.stdout.findIndex(line => line.includes('FAILED'));
		expect(out.stdout.slice(at, at + 7)).toEqual([
			'root@web2.example.net      pre-update      FAILED 2.1 s: pre_update exited with code 1',
			'    | line 2',
			'    | line 3',
			'    | line 4',
			'    | line 5',
			'    | Error: redis-data refused the connection',
			'deploy@db.example.net:2222 pre-update      ok 1.3 s',
		]);
		expect(out.stdout).toContain('phase: rolling back');
		expect(out.stdout).toContain('root@web1.example.net      rolled-back');
		expect(out.stdout.at(-1)).toBe(`deploy rolled back after 15.3 s: pre-update failed on ${web2}; every host is back on the release it had`);
		expect(out.stdout.filter(line => line.startsWith('  deploy@db'))).toEqual(['  deploy@db.example.net:2222 rolled-back   0.1 s 18.4 MB full  -']);
	});

	it('a rollback that failed on a host: its errors, a lock left and how to remove it, exit 3', async () => {
		const out = memoryOutput();
		const code = await printDeploy(
			scripted(
				{type: 'build-step', what: 'instance-8b7e61d0a4: archive', state: 'running', at: 0},
				{type: 'build-step', what: 'instance-8b7e61d0a4: archive', state: 'ok', at: 0, ms: 300},
				{type: 'deploy-plan', plan},
				{type: 'host-state', host: web2, state: 'rollback-failed'},
				{
					type: 'deploy-end',
					ok: false,
					phase: 'rollback-failed',
					ms: 5000,
					error: `${web2}: health-check: no answer; the rollback failed on ${web2} (started again: exit 1)`,
					hosts: [
						{host: web1, state: 'rolled-back', stepMs: {}},
						{host: web2, state: 'rollback-failed', stepMs: {}, rollbackErrors: ['started again: exit 1']},
						{host: db, state: 'rolled-back', stepMs: {}},
					],
					locksLeft: [{host: web2, file: '/opt/ampzero/dist/lock-file'}],
				},
			),
			out,
		);
		expect(code).toBe(3);
		expect(out.stdout.slice(0, 2)).toEqual(['build: instance-8b7e61d0a4: archive …', 'build: instance-8b7e61d0a4: archive ok 0.3 s']);
		expect(out.stdout.filter(line => line.startsWith(web2) && line.trimEnd().endsWith(' rollback-failed'))).toHaveLength(1);
		expect(out.stdout).toContain('rollback failures:');
		expect(out.stdout).toContain(`  ${web2}: started again: exit 1`);
		expect(out.stdout.join('\n')).toContain(`the lock on ${web2} could not be released: once the host answers, \`ampzero deploy kickass --force-unlock --host ${web2}\``);
		expect(out.stdout.at(-1)).toMatch(/^rollback FAILED after 5\.0 s: /);
	});

	it('what became of each daemon that keeps state: a line per daemon in --batch, a daemon record in --json', async () => {
		const kept: DeployEvent = {type: 'daemon', host: web1, step: 'stop-old', daemon: 'keyspace-1', fate: 'kept', pid: 4242, line: 'keyspace-1 kept running (pid 4242): its files and config did not change'};
		const rolled: DeployEvent = {type: 'daemon', host: db, step: 'start-new', daemon: 'keyspace-2', fate: 'restarted-in-turn', pid: 4343, line: 'keyspace-2 restarted (config changed) in 900 ms, pid 4000 → 4343; the cluster kept its quorum'};
		const out = memoryOutput();
		expect(await printDeploy(scripted(...deployUpTo(plan, 'unlock'), kept, rolled, ...startStep(plan, 'unlock'), successEnd(plan)), out)).toBe(0);
		expect(out.stdout.some(line => line.startsWith(web1) && line.endsWith('keyspace-1 kept running (pid 4242): its files and config did not change'))).toBe(true);
		expect(out.stdout.some(line => line.startsWith(db) && line.includes('keyspace-2 restarted (config changed)'))).toBe(true);
		expect(deployRecord(rolled, 'd1')).toMatchObject({deploy: 'd1', type: 'daemon', host: db, step: 'start-new', state: 'restarted-in-turn', daemon: 'keyspace-2', pid: 4343});
	});

	it('events that stop without an end: exit 1, saying how to check the hosts', async () => {
		const out = memoryOutput();
		expect(await printDeploy(scripted(...deployUpTo(plan, 'transfer')), out)).toBe(1);
		expect(out.stderr[0]).toContain('without reporting its end');
	});

	it('--dry-run prints the hosts with patch or full and bytes, and the steps', () => {
		const out = memoryOutput();
		printDeployPlan(plan, out);
		expect(out.stdout.slice(0, 6)).toEqual([
			`deploy of kickass: ampify-3f9a0c12de instance-8b7e61d0a4 to 3 hosts (deploy ${plan.deployId}; every remote command's output: ${plan.logFile}): dry run, nothing is changed`,
			'  host                        transfer     bytes',
			'  root@web1.example.net       patch      34.2 kB',
			'  root@web2.example.net       patch      35.2 kB',
			'  deploy@db.example.net:2222  full       18.4 MB',
			'  total                                  18.5 MB',
		]);
		expect(out.stdout[6]).toBe('steps, each on every host before the next starts (19):');
		expect(out.stdout.slice(7)).toHaveLength(19);
		expect(out.stdout[7]).toBe('   1. connect');
		expect(out.stdout.at(-1)).toBe('  19. unlock');
	});
});

describe('deploy --json', () => {
	it('one JSON object a line, each with deploy, type, host, step, state, bytes and ms', async () => {
		const out = memoryOutput(true);
		const events = failedDeploy();
		expect(await printDeploy(scripted(...events), out)).toBe(1);
		const records = out.stdout.map(line => JSON.parse(line) as Record<string, unknown>);
		expect(records).toHaveLength(events.length);
		for (const record of records) {
			expect(Object.keys(record)).toEqual(expect.arrayContaining(['deploy', 'type', 'host', 'step', 'state', 'bytes', 'ms']));
			expect(record['deploy']).toBe(plan.deployId);
		}
		expect(records[0]).toMatchObject({type: 'plan', kind: 'deploy', bytes: 18_469_400, hosts: [{host: web1, transfer: 'patch', bytes: 34_200}, {}, {}]});
		expect(records).toContainEqual({deploy: plan.deployId, type: 'step-end', host: web1, step: 'transfer', state: 'ok', bytes: 34_200, ms: 1400});
		expect(records).toContainEqual({deploy: plan.deployId, type: 'step-end', host: web2, step: 'pre-update', state: 'failed', bytes: null, ms: 2100, error: 'pre_update exited with code 1'});
		expect(records).toContainEqual({deploy: plan.deployId, type: 'output', host: web2, step: 'pre-update', state: null, bytes: null, ms: null, line: 'line 1'});
		expect(records).toContainEqual({deploy: plan.deployId, type: 'host-state', host: db, step: null, state: 'rolled-back', bytes: null, ms: null});
		expect(records.at(-1)).toMatchObject({type: 'end', state: 'rolled-back', ok: false, ms: 15_300, hosts: [{host: web1, state: 'rolled-back', release: 'ampify-0000000001'}, {}, {release: null}]});
	});

	it('a record before the plan has a null deploy; --dry-run --json is the plan record marked dryRun', () => {
		expect(deployRecord({type: 'phase', phase: 'planning', at: 5}, null)).toEqual({deploy: null, type: 'phase', host: null, step: null, state: 'planning', bytes: null, ms: null, at: 5});
		const out = memoryOutput(true);
		printDeployPlan(plan, out);
		expect(out.stdout).toHaveLength(1);
		expect(JSON.parse(out.stdout[0]!)).toMatchObject({deploy: plan.deployId, type: 'plan', dryRun: true, steps: [...plan.steps]});
	});
});
