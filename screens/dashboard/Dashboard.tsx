import {useApp, useInput} from 'ink';
import {useEffect, useRef} from 'react';
import type {SupervisorConnection} from '../../services/supervisor/events.js';
import {useSupervisor} from '../hooks/use-supervisor.js';
import {useTerminalSize} from '../hooks/use-terminal-size.js';
import {dashboardMode} from './dashboard-keys.js';
import type {DashboardState} from './dashboard-reducer.js';
import {DashboardView} from './DashboardView.js';
import {colorWanted} from './daemon-look.js';
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
}

/** `ampzero run`'s screen, attached to a supervisor. */
export function Dashboard({connection, ownsSupervisor, onEnd, clock = Date, size, color = colorWanted(), frameMs, limits}: DashboardProps) {
	const [state, dispatch] = useSupervisor(connection, {frameMs, limits});
	const terminal = useTerminalSize();
	const now = useNow(clock);
	const {exit} = useApp();
	const shown = size ?? terminal;
	const layout = dashboardLayout(shown, state.daemons, dashboardMode(state, ownsSupervisor));

	useInput((input, key) => {
		dispatch({type: 'key', input, key, context: {ownsSupervisor, logRows: layout.logRows}});
	});

	const sent = useRef(0);
	useEffect(() => {
		for (const command of state.outbox.slice(sent.current)) {
			connection.send(command).catch((error: unknown) => {
				dispatch({type: 'notice', text: `The supervisor did not take “${command.type}”: ${error instanceof Error ? error.message : String(error)}`});
			});
		}
		sent.current = state.outbox.length;
	}, [state.outbox, connection, dispatch]);

	const ended = state.ended;
	useEffect(() => {
		if (!ended) return;
		connection.close();
		onEnd(ended);
		exit();
	}, [ended, connection, onEnd, exit]);

	return <DashboardView state={state} size={shown} now={now} ownsSupervisor={ownsSupervisor} color={color} />;
}
