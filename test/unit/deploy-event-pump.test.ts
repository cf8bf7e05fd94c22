import {describe, expect, it} from 'vitest';
import type {DeployEvent} from '../../services/deploy/events.js';
import {pumpDeployEvents} from '../../source/app/deploy-event-pump.js';
import {deployUpTo, hostNames, planOf, successEnd} from '../screens/deploy-fixtures.js';

const plan = planOf(hostNames(3));

/** An engine written as a generator: it records how far it got and whether its clean-up ran. */
function engine(events: readonly DeployEvent[], trace: string[], failAt?: number) {
	return (async function* () {
		try {
			for (const [index, event] of events.entries()) {
				if (index === failAt) throw new Error('ssh connection to root@web2.example.net lost');
				await new Promise(resolve => setTimeout(resolve, 0));
				yield event;
				trace.push(`sent ${index}`);
			}
		} finally {
			trace.push('engine clean-up');
		}
	})();
}

describe('the deploy event pump', () => {
	it('hands every event to the reader, in order, and settles with the deploy-end', async () => {
		const events = [...deployUpTo(plan, 'lock'), successEnd(plan)];
		const pump = pumpDeployEvents(engine(events, []));
		const read: DeployEvent[] = [];
		for await (const event of pump.events) read.push(event);
		expect(read).toEqual(events);
		expect((await pump.done).end?.ok).toBe(true);
	});

	it('a reader that leaves early does not cut the engine off: it runs to its end, listeners see the rest', async () => {
		const events = [...deployUpTo(plan, 'transfer'), successEnd(plan)];
		const trace: string[] = [];
		const pump = pumpDeployEvents(engine(events, trace));
		const late: DeployEvent[] = [];
		for await (const event of pump.events) {
			if (event.type === 'step-start') break;
		}
		pump.listen(event => late.push(event));
		const outcome = await pump.done;
		expect(outcome.end?.type).toBe('deploy-end');
		expect(trace.at(-1)).toBe('engine clean-up');
		expect(trace).toContain(`sent ${events.length - 1}`);
		expect(late.at(-1)?.type).toBe('deploy-end');
	});

	it('an engine that throws: the reader gets the events before, then the error; done carries it', async () => {
		const events = deployUpTo(plan, 'lock');
		const pump = pumpDeployEvents(engine(events, [], 2));
		const read: DeployEvent[] = [];
		await expect(
			(async () => {
				for await (const event of pump.events) read.push(event);
			})(),
		).rejects.toThrow('ssh connection to root@web2.example.net lost');
		expect(read).toEqual(events.slice(0, 2));
		expect(String((await pump.done).error)).toContain('lost');
	});
});
