import type {SupervisorConnection, SupervisorEvent} from '../../services/supervisor/events.js';
import {colorWanted} from '../runtime/colour.js';
import {useEnd} from '../runtime/use-end.js';
import {useSourceEvents} from '../runtime/use-event-batches.js';
import {useNow, type Clock} from '../runtime/use-now.js';
import {act, useScreen} from '../runtime/use-screen.js';
import {useTerminalSize} from '../runtime/use-terminal-size.js';
import {dashboardRules, type DashboardEffect} from './dashboard-interpret.js';
import {initialDashboardState, type DashboardState} from './dashboard-reducer.js';
import {DashboardView} from './DashboardView.js';
import {dashboardLayout} from './layout.js';
import type {LogLimits} from './log-buffer.js';
import {frameAfter} from './log-flood.js';
import {useDaemonUsage, type UsageSource} from './use-daemon-usage.js';

export interface DashboardProps {
	connection: SupervisorConnection;
	/** --no-daemon: the supervisor lives in this process (^C stops it; there is nothing to detach from). */
	ownsSupervisor: boolean;
	/** Called once when the dashboard is done: the app exits with `code` and prints `message`. */
	onEnd: (ended: NonNullable<DashboardState['ended']>) => void;
	clock?: Clock;
	color?: boolean;
	/** Events are gathered for at most this long and folded at once: one render per frame, not per line. */
	frameMs?: number;
	limits?: LogLimits;
	/** Where CPU and memory of the daemons come from (/proc; tests give fixed figures). */
	usageSource?: UsageSource;
}

function linesIn(events: readonly SupervisorEvent[]): number {
	let lines = 0;
	for (const event of events) if (event.type === 'log-lines') lines += event.lines.length + (event.skipped ?? 0);
	return lines;
}

/** `ampzero run`'s screen, attached to a supervisor. */
export function Dashboard({connection, ownsSupervisor, onEnd, clock = Date, color = colorWanted(), frameMs = 33, limits, usageSource}: DashboardProps) {
	const size = useTerminalSize();
	const now = useNow(clock);
	// Keys act in the layout of the last render (what a page is); it is filled in below, once the layout is known.
	const context = {ownsSupervisor, logRows: 1};
	const screen = useScreen(() => initialDashboardState(limits), {
		...dashboardRules(context),
		run: (effect: DashboardEffect) => {
			connection.send(effect.command).catch((error: unknown) => {
				screen.apply(act({type: 'notice', text: `The supervisor did not take “${effect.command.type}”: ${error instanceof Error ? error.message : String(error)}`}));
			});
		},
	});
	const {state, mode} = screen;
	const layout = dashboardLayout(size, state.daemons, mode);
	context.logRows = layout.logRows;
	const usage = useDaemonUsage(state.daemons, layout.list.usage, usageSource);

	useSourceEvents(connection, {
		frameMs,
		nextFrameMs: batch => frameAfter(linesIn(batch), frameMs),
		onBatch: batch => screen.apply(act({type: 'events', events: batch})),
		onEnd: error => screen.apply(act(error === undefined ? {type: 'connection-lost'} : {type: 'connection-lost', error})),
	});

	useEnd(state.ended, connection, onEnd);

	return <DashboardView state={state} mode={mode} layout={layout} now={now} ownsSupervisor={ownsSupervisor} color={color} usage={usage} onAnswer={screen.command} />;
}
