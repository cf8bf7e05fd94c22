import {useEffect, useReducer, type Dispatch} from 'react';
import type {SupervisorConnection, SupervisorEvent} from '../../services/supervisor/events.js';
import {dashboardReducer, initialDashboardState, type DashboardAction, type DashboardState} from '../dashboard/dashboard-reducer.js';
import type {LogLimits} from '../dashboard/log-buffer.js';

/** A frame's worth of events with this many log lines is a flood. */
const floodLines = 1000;
const floodFrameMs = 100;

function linesIn(events: readonly SupervisorEvent[]): number {
	let lines = 0;
	for (const event of events) if (event.type === 'log-lines') lines += event.lines.length + (event.skipped ?? 0);
	return lines;
}

export interface UseSupervisorOptions {
	/** Events are gathered for at most this long and folded in one dispatch: one render per frame, not per line. */
	frameMs?: number;
	limits?: LogLimits;
}

/**
 * Folds a supervisor connection's events into dashboard state. The connection is read with
 * `for await`; a burst of events costs one dispatch per frame. When the events end (the
 * supervisor exited or the link dropped) the state says so.
 */
export function useSupervisor(connection: SupervisorConnection, options: UseSupervisorOptions = {}): [DashboardState, Dispatch<DashboardAction>] {
	const frameMs = options.frameMs ?? 33;
	const [state, dispatch] = useReducer(dashboardReducer, options.limits, initialDashboardState);

	useEffect(() => {
		const abort = new AbortController();
		let queue: SupervisorEvent[] = [];
		let timer: NodeJS.Timeout | undefined;
		let lastFlush = 0;
		let flooded = false;

		const flush = (): void => {
			timer = undefined;
			lastFlush = Date.now();
			if (queue.length === 0 || abort.signal.aborted) return;
			const events = queue;
			queue = [];
			flooded = linesIn(events) >= floodLines;
			dispatch({type: 'events', events});
		};
		const schedule = (): void => {
			if (timer) return;
			// The first event after a quiet spell goes out at once (next macrotask, so a burst arriving together stays one dispatch).
			// Under a flood the log pane is redrawn less often: the frames it skips leave the CPU, and Ink's frame budget, to keys.
			const interval = flooded ? floodFrameMs : frameMs;
			timer = setTimeout(flush, Math.max(0, interval - (Date.now() - lastFlush)));
		};

		void (async () => {
			try {
				for await (const event of connection.events()) {
					if (abort.signal.aborted) return;
					queue.push(event);
					schedule();
				}
				if (abort.signal.aborted) return;
				clearTimeout(timer);
				flush();
				dispatch({type: 'connection-lost'});
			} catch (error) {
				if (abort.signal.aborted) return;
				clearTimeout(timer);
				flush();
				dispatch({type: 'connection-lost', error: error instanceof Error ? error.message : String(error)});
			}
		})();

		return () => {
			abort.abort();
			clearTimeout(timer);
		};
	}, [connection, frameMs]);

	return [state, dispatch];
}
