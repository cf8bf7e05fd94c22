import {useApp, type Key} from 'ink';
import {useEffect, useRef} from 'react';
import type {DeployEvent} from '../../services/deploy/events.js';
import {colorWanted} from '../runtime/colour.js';
import {useNow, type Clock} from '../runtime/use-now.js';
import {useDeployEvents} from '../hooks/use-deploy-events.js';
import {useKeys} from '../runtime/use-keys.js';
import {useTerminalSize} from '../runtime/use-terminal-size.js';
import {deployCommandOutcome, interpretDeployKey, type DeployKeyOutcome} from './deploy-keys.js';
import {deployReducer} from './deploy-reducer.js';
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
	frameMs?: number;
	outputLimit?: number;
}

/** `ampzero deploy`'s screen: every host's progress through the steps, live, then the summary. */
export function DeployScreen({events, abort, onLeave, instance, clock = Date, color = colorWanted(), frameMs, outputLimit}: DeployScreenProps) {
	const [state, dispatch] = useDeployEvents(events, {frameMs, outputLimit});
	const size = useTerminalSize();
	const now = useNow(clock, 200);
	const {exit} = useApp();
	const layout = deployLayout(size, state.hosts);

	// Keys typed faster than a render act on the state the previous key left, not on the last render's.
	const latest = useRef(state);
	// eslint-disable-next-line react-hooks/refs -- keys act on the state the previous key left
	latest.current = state;
	const left = useRef(false);
	const apply = (outcome: DeployKeyOutcome): void => {
		for (const action of outcome.actions) {
			latest.current = deployReducer(latest.current, action);
			dispatch(action);
		}
		if (outcome.leave && !left.current) {
			left.current = true;
			onLeave(latest.current.finished?.ok ? 0 : 1);
			exit();
		}
	};
	const press = (input: string, key: Key): void => apply(interpretDeployKey(latest.current, input, key, layout.listRows));
	useKeys((input, key) => {
		// Letters typed faster than Ink reads them arrive together ("jjj"): one press each.
		if (input.length > 1 && !key.ctrl && !key.meta) for (const char of input) press(char, {...key, shift: char !== char.toLowerCase()});
		else press(input, key);
	});

	const aborted = useRef(false);
	useEffect(() => {
		if (!state.abortRequested || aborted.current) return;
		aborted.current = true;
		abort();
	}, [state.abortRequested, abort]);

	return <DeployView state={state} size={size} now={now} color={color} instance={instance} onAnswer={command => apply(deployCommandOutcome(latest.current, command, layout.listRows))} />;
}
