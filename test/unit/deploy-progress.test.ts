import {describe, expect, it} from 'vitest';
import {buildingNow, foldDeployEvents, hostOf, initialDeployProgress} from '../../services/deploy/deploy-progress.js';
import type {DeployEvent} from '../../services/deploy/events.js';
import {deployReducer, initialDeployState} from '../../screens/deploy/deploy-reducer.js';
import {deployUpTo, hostNames, outputLines, planOf, startStep, successEnd} from '../screens/deploy-fixtures.js';

const plan = planOf(hostNames(3));
const [web1, web2] = plan.hosts.map(host => host.host) as [string, string, string];

describe('the deploy events fold', () => {
	it('keeps the last lines of the running step, the bytes sent and the failed step with its output', () => {
		const progress = foldDeployEvents(initialDeployProgress(2), [
			...deployUpTo(plan, 'pre-update'),
			...startStep(plan, 'pre-update'),
			...outputLines(web2, 'pre-update', ['one', 'two', 'three']),
			{type: 'step-end', host: web2, step: 'pre-update', ok: false, ms: 2100, error: 'pre_update exited with code 1'},
		]);
		const failed = hostOf(progress, web2)!;
		expect(failed.output).toEqual(['two', 'three']);
		expect(failed.error).toEqual({step: 'pre-update', message: 'pre_update exited with code 1', output: ['two', 'three']});
		expect(failed.state).toBe('failed');
		expect(hostOf(progress, web1)!.bytesSent).toBe(plan.hosts[0]!.bytes);
		expect(progress.end).toBeUndefined();
	});

	it('takes the end: phase, each host’s result, and the event itself', () => {
		const end = successEnd(plan);
		const progress = foldDeployEvents(initialDeployProgress(5), [...deployUpTo(plan, 'unlock'), end]);
		expect(progress.end).toBe(end);
		expect(progress.phase).toBe('done');
		expect(progress.hosts.map(host => host.state)).toEqual(['done', 'done', 'done']);
	});

	it('lists the building steps still running; a host the plan did not name is added at the end', () => {
		const progress = foldDeployEvents(initialDeployProgress(5), [
			{type: 'build-step', what: 'archive', state: 'running', at: 1},
			{type: 'build-step', what: 'archive', state: 'ok', at: 1, ms: 4},
			{type: 'build-step', what: 'build', state: 'running', at: 6},
			{type: 'deploy-plan', plan},
			{type: 'step-start', host: 'root@late', step: 'connect', at: 7},
		]);
		expect(buildingNow(progress)).toEqual([{what: 'build', state: 'running', at: 6}]);
		expect(progress.hosts.map(host => host.host)).toEqual([...plan.hosts.map(host => host.host), 'root@late']);
	});

	it('is what the deploy screen holds: its state is the same fold, output lines cleaned as a terminal shows them', () => {
		const events: DeployEvent[] = [...deployUpTo(plan, 'unpack'), ...startStep(plan, 'unpack'), ...outputLines(web1, 'unpack', ['\u001B[1mbold\u001B[0m', 'plain'])];
		const progress = foldDeployEvents(initialDeployProgress(200), events);
		const screen = deployReducer(initialDeployState(200), {type: 'events', events});
		expect(screen.hosts.map(host => ({...host, output: []}))).toEqual(progress.hosts.map(host => ({...host, output: []})));
		expect(hostOf(screen, web1)!.output).toEqual(['bold', 'plain']);
		expect(hostOf(progress, web1)!.output).toEqual(['\u001B[1mbold\u001B[0m', 'plain']);
		expect([screen.phase, screen.startedAt, screen.plan]).toEqual([progress.phase, progress.startedAt, progress.plan]);
	});
});
