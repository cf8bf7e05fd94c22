import {useApp} from 'ink';
import {useEffect, useRef} from 'react';
import type {SupervisorConnection} from '../../services/supervisor/events.js';
import {colorWanted} from '../colour.js';
import {useDaemonUsage, type UsageSource} from '../hooks/use-daemon-usage.js';
import {useKeys} from '../hooks/use-keys.js';
import {useSupervisor} from '../hooks/use-supervisor.js';
import {useTerminalSize} from '../hooks/use-terminal-size.js';
import {commandOutcome, dashboardMode, interpretKey, keyPresses, type KeyOutcome} from './dashboard-keys.js';
import {dashboardReducer, type DashboardState} from './dashboard-reducer.js';
import {DashboardView} from './DashboardView.js';
import {dashboardLayout} from './layout.js';
import type {LogLimits} from './log-buffer.js';
import {useNow, type Clock} from './use-now.js';

export interface DashboardProps {
	connection: SupervisorConnection;
	/** --no-daemon: the supervisor lives in this process (^C stops it; there is nothing to detach from). */
	ownsSupervisor: boolean;
	/** Called once when the dashboard is done: the app exits with `code` and prints `message`. */
	onEnd: (ended: NonNullable<DashboardState['ended']>) => void;
	clock?: Clock;
	/** Fixed size instead of the terminal's (tests). */
	size?: {columns: number; rows: number};
	color?: boolean;
	frameMs?: number;
	limits?: LogLimits;
	/** Where CPU and memory of the daemons come from (/proc; tests give fixed figures). */
	usageSource?: UsageSource;
}

/** `ampzero run`'s screen, attached to a supervisor. */
export function Dashboard({connection, ownsSupervisor, onEnd, clock = Date, size, color = colorWanted(), frameMs, limits, usageSource}: DashboardProps) {
	const [state, dispatch] = useSupervisor(connection, {frameMs, limits});
	const terminal = useTerminalSize();
	const now = useNow(clock);
	const {exit} = useApp();
	const shown = size ?? terminal;
	const layout = dashboardLayout(shown, state.daemons, dashboardMode(state, ownsSupervisor));
	const usage = useDaemonUsage(state.daemons, layout.list.usage, usageSource);

	// The state the next key acts on: the last render's, plus what keys since then did (several
	// keys can arrive before React renders again).
	const current = useRef(state);
	current.current = state;

	const apply = ({actions, commands}: KeyOutcome): void => {
		for (const action of actions) {
			current.current = dashboardReducer(current.current, action);
			dispatch(action);
		}
		for (const command of commands) {
			connection.send(command).catch((error: unknown) => {
				dispatch({type: 'notice', text: `The supervisor did not take “${command.type}”: ${error instanceof Error ? error.message : String(error)}`});
			});
		}
	};
	const context = {ownsSupervisor, logRows: layout.logRows};

	useKeys((input, key) => {
		for (const [text, pressed] of keyPresses(input, key)) apply(interpretKey(current.current, text, pressed, context));
	});

	const ended = state.ended;
	useEffect(() => {
		if (!ended) return;
		connection.close();
		onEnd(ended);
		exit();
	}, [ended, connection, onEnd, exit]);

	return <DashboardView state={state} size={shown} now={now} ownsSupervisor={ownsSupervisor} color={color} usage={usage} onAnswer={command => apply(commandOutcome(current.current, command, context))} />;
}
