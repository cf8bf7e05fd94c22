import type {FleetEvent} from '../../services/fleet/fleet-watch.js';
import type {SupervisorCommand} from '../../services/supervisor/events.js';
import type {LogLimits} from '../dashboard/log-buffer.js';
import {frameAfter} from '../dashboard/log-flood.js';
import {colorWanted} from '../runtime/colour.js';
import {useEnd} from '../runtime/use-end.js';
import {useSourceEvents} from '../runtime/use-event-batches.js';
import {useNow, type Clock} from '../runtime/use-now.js';
import {act, useScreen} from '../runtime/use-screen.js';
import {useTerminalSize} from '../runtime/use-terminal-size.js';
import {fleetRules, type FleetEffect} from './fleet-interpret.js';
import {fleetLayout} from './fleet-layout.js';
import {eventsShown, initialFleetState, type FleetState} from './fleet-reducer.js';
import {FleetView} from './FleetView.js';

/** What the view needs of the fleet: every host's events, and a way to send one host's supervisor a command. */
export interface FleetSource {
	events(): AsyncIterable<FleetEvent>;
	send(host: string, command: SupervisorCommand): boolean;
	close(): void;
}

export interface FleetProps {
	instance: string;
	/** The hosts' labels, in deployment.yaml's order. */
	hosts: readonly string[];
	source: FleetSource;
	onEnd(ended: NonNullable<FleetState['ended']>): void;
	clock?: Clock;
	color?: boolean;
	frameMs?: number;
	limits?: LogLimits;
}

/** Log lines kept per daemon per host: less than the dashboard's, as a fleet has many more daemons. */
const fleetLogLimits: LogLimits = {maxLines: 1000, maxBytes: 256 * 1024, maxLineLength: 16 * 1024};

function linesIn(events: readonly FleetEvent[]): number {
	let lines = 0;
	for (const event of events) if (event.type === 'supervisor' && event.event.type === 'log-lines') lines += event.event.lines.length + (event.event.skipped ?? 0);
	return lines;
}

/** `ampzero fleet NAME`'s screen: every host's supervisor, one SSH link each. */
export function Fleet({instance, hosts, source, onEnd, clock = Date, color = colorWanted(), frameMs = 33, limits = fleetLogLimits}: FleetProps) {
	const size = useTerminalSize();
	const now = useNow(clock);
	// Keys act in the layout of the last render (what a page is); it is filled in below.
	const context = {logRows: 1};
	const screen = useScreen(() => initialFleetState(instance, hosts, limits), {
		...fleetRules(context),
		run: (effect: FleetEffect) => {
			if (!source.send(effect.host, effect.command)) screen.apply(act({type: 'notice', text: `${effect.host} is not connected: “${effect.command.type}” was not sent`}));
		},
	});
	const {state, mode} = screen;
	const layout = fleetLayout(size, state, mode);
	context.logRows = layout.logRows;

	useSourceEvents(source, {
		frameMs,
		nextFrameMs: batch => frameAfter(linesIn(batch), frameMs),
		onBatch: batch => screen.apply(act({type: 'events', events: batch, at: clock.now()}), {draw: eventsShown(screen.state, batch)}),
		onEnd: error => screen.apply(act(error === undefined ? {type: 'watch-ended'} : {type: 'watch-ended', error})),
	});

	useEnd(state.ended, source, onEnd);

	return <FleetView state={state} mode={mode} layout={layout} now={now} color={color} onAnswer={screen.command} />;
}
