import type {Key} from 'ink';
import {describe, expect, it} from 'vitest';
import {deployMode, deployRules} from '../../screens/deploy/deploy-interpret.js';
import {keyOutcome} from '../../screens/runtime/use-screen.js';
import {
	currentStep,
	deployElapsedMs,
	deployReducer,
	hostCounts,
	hostElapsedMs,
	initialDeployState,
	listWindow,
	selectedHost,
	type DeployAction,
	type DeployScreenState,
} from '../../screens/deploy/deploy-reducer.js';
import type {DeployEvent} from '../../services/deploy/events.js';
import {deployUpTo, fixedNow, hostNames, outputLines, planOf, startStep, stepAt, successEnd} from './deploy-fixtures.js';

const plan = planOf(hostNames(3));
const [web1, web2, db] = plan.hosts.map(host => host.host) as [string, string, string];

function fold(state: DeployScreenState, events: readonly DeployEvent[]): DeployScreenState {
	return deployReducer(state, {type: 'events', events});
}

function apply(state: DeployScreenState, ...actions: DeployAction[]): DeployScreenState {
	return actions.reduce(deployReducer, state);
}

const noKey: Key = {
	upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
	return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
	super: false, hyper: false, capsLock: false, numLock: false,
};

/** A key press interpreted as the screen does, its actions folded in; what it asks outside the screen: leave, abort the engine. */
function press(state: DeployScreenState, input: string, key: Partial<Key> = {}, rows = 5): {state: DeployScreenState; leave: boolean; aborts: number} {
	const outcome = keyOutcome(deployRules({listRows: rows}), state, input, {...noKey, ...key}, {inputTook: false});
	return {
		state: apply(state, ...outcome.actions),
		leave: outcome.effects.some(effect => effect.type === 'leave'),
		aborts: outcome.effects.filter(effect => effect.type === 'abort').length,
	};
}

function midTransfer(): DeployScreenState {
	return fold(initialDeployState(), [...deployUpTo(plan, 'transfer'), ...startStep(plan, 'transfer')]);
}

describe('deploy reducer: events', () => {
	it('takes the hosts, their transfer kind and size from the plan, in its order', () => {
		const state = fold(initialDeployState(), [{type: 'deploy-plan', plan}]);
		expect(state.hosts.map(host => [host.host, host.state, host.transfer, host.plannedBytes])).toEqual([
			[web1, 'waiting', 'patch', 34_200],
			[web2, 'waiting', 'patch', 35_200],
			[db, 'waiting', 'full', 18_400_000],
		]);
		expect(state.phase).toBe('planning');
	});

	it('counts steps done, bytes sent and time per host; the running step counts up to now', () => {
		let state = midTransfer();
		expect(currentStep(state)).toEqual({step: 'transfer', index: 3});
		expect(state.hosts.every(host => host.stepsDone === 3 && host.state === 'running' && host.step === 'transfer')).toBe(true);
		expect(hostCounts(state)).toEqual([['running', 3]]);
		// Three steps of 1.4 s, then 0.5 s into the transfer.
		expect(hostElapsedMs(state.hosts[0]!, stepAt('transfer') + 500)).toBe(3 * 1400 + 500);
		state = fold(state, [
			{type: 'step-end', host: web1, step: 'transfer', ok: true, ms: 900, bytes: 34_000},
			{type: 'host-state', host: web1, state: 'waiting'},
		]);
		const first = state.hosts[0]!;
		expect([first.state, first.stepsDone, first.bytesSent, first.stepMs.transfer]).toEqual(['waiting', 4, 34_000, 900]);
		expect(hostElapsedMs(first, fixedNow)).toBe(3 * 1400 + 900);
		expect(hostCounts(state)).toEqual([['running', 2], ['waiting', 1]]);
		expect(deployElapsedMs(state, fixedNow)).toBe(3 * 1500 + 800);
	});

	it('keeps the last lines of the current step only, cleaned of escape sequences, and starts over with the next step', () => {
		let state = deployReducer(initialDeployState(3), {type: 'events', events: [...deployUpTo(plan, 'unpack'), ...startStep(plan, 'unpack')]});
		state = fold(state, outputLines(web1, 'unpack', ['one', '\u001B[32mtwo\u001B[0m', 'three', 'four']));
		expect(state.hosts[0]!.output).toEqual(['two', 'three', 'four']);
		state = fold(state, [{type: 'step-end', host: web1, step: 'unpack', ok: true, ms: 100}, {type: 'step-start', host: web1, step: 'verify-unpack', at: 1}]);
		expect(state.hosts[0]!.output).toEqual([]);
	});

	it('keeps a failed step’s error with its output, and selects the first host that fails', () => {
		let state = fold(midTransfer(), [...outputLines(web2, 'transfer', ['sending patch', 'sha256 mismatch, sending again'])]);
		state = fold(state, [
			{type: 'step-end', host: web2, step: 'transfer', ok: false, ms: 4000, bytes: 68_400, error: 'sha256 mismatch twice: the copy on the host is bad'},
			{type: 'phase', phase: 'rolling-back', at: fixedNow},
			{type: 'host-state', host: web1, state: 'rolling-back'},
		]);
		const failed = state.hosts[1]!;
		expect(failed.state).toBe('failed');
		expect(failed.error).toEqual({step: 'transfer', message: 'sha256 mismatch twice: the copy on the host is bad', output: ['sending patch', 'sha256 mismatch, sending again']});
		expect(failed.stepsDone).toBe(3);
		expect(failed.bytesSent).toBe(68_400);
		expect(selectedHost(state)?.host).toBe(web2);
		expect(state.phase).toBe('rolling-back');
		// A second failure does not take the selection away from the first.
		state = fold(state, [{type: 'step-end', host: db, step: 'transfer', ok: false, ms: 10, error: 'connection lost'}]);
		expect(selectedHost(state)?.host).toBe(web2);
	});

	it('does not move a selection the user made when a host fails', () => {
		let state = apply(midTransfer(), {type: 'select-next', rows: 3}, {type: 'select-next', rows: 3});
		state = fold(state, [{type: 'step-end', host: web2, step: 'transfer', ok: false, ms: 10, error: 'no space left on device'}]);
		expect(selectedHost(state)?.host).toBe(db);
	});

	it('a host no plan named is added when its first event arrives', () => {
		const state = fold(initialDeployState(), [{type: 'step-start', host: 'root@late', step: 'connect', at: 5}]);
		expect(state.hosts.map(host => [host.host, host.state, host.step])).toEqual([['root@late', 'running', 'connect']]);
		expect(state.startedAt).toBe(5);
	});

	it('ends with the results and step times deploy-end reports', () => {
		const state = fold(midTransfer(), [successEnd(plan)]);
		expect(state.finished).toEqual({ok: true, phase: 'done', ms: 19 * 1500 + 400});
		expect(state.phase).toBe('done');
		expect(state.hosts.every(host => host.state === 'done' && host.release === plan.ampifyRelease)).toBe(true);
		expect(hostElapsedMs(state.hosts[0]!, Number.MAX_SAFE_INTEGER)).toBe(19 * 1400);
		expect(deployElapsedMs(state, Number.MAX_SAFE_INTEGER)).toBe(19 * 1500 + 400);
	});

	it('events that stop without deploy-end finish the screen as failed, saying so', () => {
		const state = deployReducer(midTransfer(), {type: 'events-ended', error: 'socket closed'});
		expect(state.finished?.ok).toBe(false);
		expect(state.finished?.cutShort).toBe(true);
		expect(state.finished?.error).toContain('socket closed');
		// The real end, when it came first, is kept.
		const ended = deployReducer(fold(midTransfer(), [successEnd(plan)]), {type: 'events-ended'});
		expect(ended.finished?.ok).toBe(true);
	});
});

describe('deploy reducer: selection and scrolling', () => {
	const many = planOf(hostNames(30));
	const crowd = (): DeployScreenState => fold(initialDeployState(), deployUpTo(many, 'lock'));

	it('moves the selection, wrapping at both ends', () => {
		let state = midTransfer();
		state = apply(state, {type: 'select-previous', rows: 3});
		expect(selectedHost(state)?.host).toBe(db);
		state = apply(state, {type: 'select-next', rows: 3});
		expect(selectedHost(state)?.host).toBe(web1);
	});

	it('scrolls only as far as the selection needs, and never shows more rows than fit', () => {
		let state = crowd();
		expect(listWindow(state, 10)).toEqual({first: 0, end: 10});
		for (let i = 0; i < 12; i++) state = apply(state, {type: 'select-next', rows: 10});
		expect(state.selected).toBe(12);
		expect(listWindow(state, 10)).toEqual({first: 3, end: 13});
		for (let i = 0; i < 5; i++) state = apply(state, {type: 'select-previous', rows: 10});
		expect(listWindow(state, 10)).toEqual({first: 3, end: 13});
		state = apply(state, {type: 'select-previous', rows: 10}, {type: 'select-previous', rows: 10}, {type: 'select-previous', rows: 10}, {type: 'select-previous', rows: 10});
		expect(state.selected).toBe(3);
		state = apply(state, {type: 'select-previous', rows: 10});
		expect(listWindow(state, 10)).toEqual({first: 2, end: 12});
		// Wrapping to the last host shows the last page.
		state = apply(state, {type: 'select-previous', rows: 10}, {type: 'select-previous', rows: 10}, {type: 'select-previous', rows: 10});
		expect(state.selected).toBe(29);
		expect(listWindow(state, 10)).toEqual({first: 20, end: 30});
	});

	it('keeps a selection that jumped to a failed host in view', () => {
		const state = fold(crowd(), [{type: 'step-end', host: many.hosts[25]!.host, step: 'lock', ok: false, ms: 3, error: 'locked by ann@laptop (pid 77) since 11:58'}]);
		expect(state.selected).toBe(25);
		expect(listWindow(state, 10)).toEqual({first: 16, end: 26});
	});
});

describe('deploy reducer: abort', () => {
	it('asks first; no keeps deploying, yes asks the engine once', () => {
		let state = apply(midTransfer(), {type: 'ask-abort'});
		expect(state.dialog).toBe('confirm-abort');
		expect(deployMode(state)).toBe('confirm-abort');
		state = apply(state, {type: 'cancel-abort'});
		expect([state.dialog, state.abortRequested]).toEqual([undefined, false]);
		state = apply(state, {type: 'ask-abort'}, {type: 'confirm-abort'});
		expect([state.dialog, state.abortRequested]).toEqual([undefined, true]);
		expect(deployMode(state)).toBe('aborting');
		// Asking again only says it is under way.
		state = apply(state, {type: 'ask-abort'});
		expect(state.dialog).toBeUndefined();
		expect(state.notice).toMatch(/^Aborting/);
	});

	it('nothing to abort once the deploy has ended; an open question closes when it ends', () => {
		let state = apply(midTransfer(), {type: 'ask-abort'});
		state = fold(state, [successEnd(plan)]);
		expect(state.dialog).toBeUndefined();
		state = apply(state, {type: 'ask-abort'}, {type: 'confirm-abort'});
		expect(state.abortRequested).toBe(false);
		expect(deployMode(state)).toBe('finished');
	});
});

describe('deploy keys', () => {
	it('a asks, y aborts; n and Esc cancel', () => {
		let {state} = press(midTransfer(), 'a');
		expect(state.dialog).toBe('confirm-abort');
		state = press(state, 'n').state;
		expect(state.dialog).toBeUndefined();
		state = press(press(state, 'a').state, '', {escape: true}).state;
		expect(state.dialog).toBeUndefined();
		const yes = press(press(state, 'a').state, 'y');
		expect(yes.state.abortRequested).toBe(true);
		expect(yes.aborts).toBe(1);
		// Once asked, the engine is not asked again.
		expect(press(press(yes.state, 'a').state, 'y').aborts).toBe(0);
	});

	it('^C asks first and aborts the second time; once finished it leaves', () => {
		let {state} = press(midTransfer(), 'c', {ctrl: true});
		expect(state.dialog).toBe('confirm-abort');
		const second = press(state, 'c', {ctrl: true});
		state = second.state;
		expect(state.abortRequested).toBe(true);
		expect(second.aborts).toBe(1);
		expect(press(fold(state, [successEnd(plan)]), 'c', {ctrl: true}).leave).toBe(true);
	});

	it('q leaves only once finished; before that it says how to abort', () => {
		const running = press(midTransfer(), 'q');
		expect(running.leave).toBe(false);
		expect(running.state.notice).toContain('press a to abort');
		expect(press(fold(midTransfer(), [successEnd(plan)]), 'q').leave).toBe(true);
		// The end came between the render the key saw and the reducer: no stale "still running".
		expect(apply(fold(midTransfer(), [successEnd(plan)]), {type: 'leave-too-early'}).notice).toBeUndefined();
		expect(apply(midTransfer(), {type: 'ask-abort'}, {type: 'confirm-abort'}, {type: 'leave-too-early'}).notice).toMatch(/^Rolling back/);
	});

	it('↑/↓ and j/k select; ? toggles the help, Esc closes it', () => {
		let {state} = press(midTransfer(), '', {downArrow: true});
		state = press(state, 'j').state;
		expect(state.selected).toBe(2);
		state = press(state, 'k').state;
		state = press(state, '', {upArrow: true}).state;
		expect(state.selected).toBe(0);
		state = press(state, '?').state;
		expect(deployMode(state)).toBe('help');
		expect(press(state, 'j').state.selected).toBe(0);
		state = press(state, '', {escape: true}).state;
		expect(state.dialog).toBeUndefined();
	});
});
