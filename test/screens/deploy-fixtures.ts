import {deploySteps, type DeployEvent, type DeployPlan, type DeployStep} from '../../services/deploy/events.js';

/**
 * A scripted deploy for the screen and renderer tests: the test pushes the events an engine would
 * emit and ends the stream. Development and tests only; nothing ships a pretend deploy.
 */
export class ScriptedDeploy implements AsyncIterable<DeployEvent> {
	aborts = 0;
	private queue: DeployEvent[] = [];
	private wake: (() => void) | undefined;
	private ended = false;

	push(...events: DeployEvent[]): void {
		this.queue.push(...events);
		this.wake?.();
	}

	end(): void {
		this.ended = true;
		this.wake?.();
	}

	readonly abort = (): void => {
		this.aborts++;
	};

	async *[Symbol.asyncIterator](): AsyncIterator<DeployEvent> {
		for (;;) {
			const event = this.queue.shift();
			if (event) {
				yield event;
				continue;
			}
			if (this.ended) return;
			await new Promise<void>(resolve => {
				this.wake = resolve;
			});
			this.wake = undefined;
		}
	}
}

export const fixedNow = Date.UTC(2026, 0, 15, 12, 0, 0);
export const fixedClock = {now: () => fixedNow};

export function hostNames(count: number): string[] {
	if (count === 3) return ['root@web1.example.net', 'root@web2.example.net', 'deploy@db.example.net:2222'];
	return Array.from({length: count}, (_, index) => `root@node${String(index + 1).padStart(2, '0')}.example.net`);
}

export function planOf(hosts: readonly string[], kind: DeployPlan['kind'] = 'deploy'): DeployPlan {
	return {
		deployId: '20260115T115900Z-4242',
		instance: 'kickass',
		ampifyRelease: 'ampify-3f9a0c12de',
		instanceRelease: 'instance-8b7e61d0a4',
		hosts: hosts.map((host, index) => ({host, transfer: index % 3 === 2 ? 'full' : 'patch', bytes: index % 3 === 2 ? 18_400_000 : 34_200 + index * 1000})),
		steps: deploySteps,
		logFile: '/home/ann/.cache/ampzero/deploys/kickass-20260115T115900Z-4242.log',
		kind,
	};
}

/**
 * Each step takes 1.5 s on every host (1.4 s of it in the step). The timeline is laid so that
 * `current`, the step a test stops at, started 0.8 s before the fixed clock's now.
 */
const stepMs = 1500;

export function stepAt(step: DeployStep, current: DeployStep = step): number {
	return fixedNow - 800 - (deploySteps.indexOf(current) - deploySteps.indexOf(step)) * stepMs;
}

/** The events of `steps` passing on every host in lock-step (transfer sends the planned bytes), before `current`. */
function passSteps(plan: DeployPlan, steps: readonly DeployStep[], current: DeployStep): DeployEvent[] {
	const events: DeployEvent[] = [];
	for (const step of steps) {
		for (const host of plan.hosts) {
			events.push({type: 'step-start', host: host.host, step, at: stepAt(step, current)});
			events.push({type: 'host-state', host: host.host, state: 'running'});
		}
		for (const host of plan.hosts) {
			const bytes = step === 'transfer' ? host.bytes : undefined;
			events.push({type: 'step-end', host: host.host, step, ok: true, ms: stepMs - 100, ...(bytes === undefined ? {} : {bytes})});
			events.push({type: 'host-state', host: host.host, state: 'waiting'});
		}
	}
	return events;
}

/** A deploy started: the plan, the phase, and every step before `until` passed on every host. */
export function deployUpTo(plan: DeployPlan, until: DeployStep): DeployEvent[] {
	const before = deploySteps.slice(0, deploySteps.indexOf(until));
	return [{type: 'deploy-plan', plan}, {type: 'phase', phase: 'deploying', at: stepAt('connect', until)}, ...passSteps(plan, before, until)];
}

export function startStep(plan: DeployPlan, step: DeployStep): DeployEvent[] {
	return plan.hosts.flatMap((host): DeployEvent[] => [
		{type: 'step-start', host: host.host, step, at: stepAt(step)},
		{type: 'host-state', host: host.host, state: 'running'},
	]);
}

export function outputLines(host: string, step: DeployStep, lines: readonly string[]): DeployEvent[] {
	return lines.map(line => ({type: 'host-output', host, step, line}));
}

/** The last event of a deploy where every step passed on every host. */
export function successEnd(plan: DeployPlan): DeployEvent {
	return {
		type: 'deploy-end',
		ok: true,
		phase: 'done',
		ms: deploySteps.length * stepMs + 400,
		hosts: plan.hosts.map(host => ({
			host: host.host,
			state: 'done',
			release: plan.ampifyRelease,
			stepMs: Object.fromEntries(deploySteps.map(step => [step, stepMs - 100])),
		})),
	};
}
