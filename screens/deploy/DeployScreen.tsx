import {useApp} from 'ink';
import {useRef} from 'react';
import type {DeployEvent} from '../../services/deploy/events.js';
import {colorWanted} from '../runtime/colour.js';
import {useEventBatches} from '../runtime/use-event-batches.js';
import {useNow, type Clock} from '../runtime/use-now.js';
import {act, useScreen} from '../runtime/use-screen.js';
import {useTerminalSize} from '../runtime/use-terminal-size.js';
import {deployRules, type DeployEffect} from './deploy-interpret.js';
import {initialDeployState} from './deploy-reducer.js';
import {deployLayout} from './deploy-layout.js';
import {DeployView} from './DeployView.js';

export interface DeployScreenProps {
	events: AsyncIterable<DeployEvent>;
	/** Asks the engine to abort: it rolls every host back and still emits its events to the end. Called at most once. */
	abort: () => void;
	/** Called once when the user leaves the finished screen: 0 when the deploy succeeded, else 1. */
	onLeave: (code: number) => void;
	/** The instance as the user named it, shown until the plan arrives. */
	instance?: string;
	clock?: Clock;
	color?: boolean;
	/** Events are gathered for at most this long and folded at once: one render per frame, not per output line. */
	frameMs?: number;
	/** Output lines kept per host. */
	outputLimit?: number;
}

/** `ampzero deploy`'s screen: every host's progress through the steps, live, then the summary. */
export function DeployScreen({events, abort, onLeave, instance, clock = Date, color = colorWanted(), frameMs = 33, outputLimit}: DeployScreenProps) {
	const size = useTerminalSize();
	const now = useNow(clock, 200);
	const {exit} = useApp();
	const done = useRef({aborted: false, left: false});
	// Keys act in the layout of the last render (how many host rows the list shows); it is filled in below, once the layout is known.
	const context = {listRows: 1};
	const screen = useScreen(() => initialDeployState(outputLimit), {
		...deployRules(context),
		run: (effect: DeployEffect) => {
			if (effect.type === 'abort') {
				if (done.current.aborted) return;
				done.current.aborted = true;
				abort();
			} else {
				if (done.current.left) return;
				done.current.left = true;
				onLeave(effect.code);
				exit();
			}
		},
	});
	const {state, mode} = screen;
	const layout = deployLayout(size, state.hosts);
	context.listRows = layout.listRows;

	useEventBatches(events, {
		frameMs,
		onBatch: batch => screen.apply(act({type: 'events', events: batch})),
		onEnd: error => screen.apply(act(error === undefined ? {type: 'events-ended'} : {type: 'events-ended', error})),
	});

	return <DeployView state={state} mode={mode} layout={layout} now={now} color={color} instance={instance} onAnswer={screen.command} />;
}
