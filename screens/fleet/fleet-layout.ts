import {twoPaneLayout, type TwoPaneLayout} from '../runtime/two-pane-layout.js';
import {fleetKeymap, type FleetMode} from './fleet-keymap.js';
import type {FleetState} from './fleet-reducer.js';

export interface FleetColumns {
	name: number;
	/** CPU% and memory of each daemon (sampled on its host). */
	usage: boolean;
	/** The host row names its release too. */
	release: boolean;
}

export interface FleetLayout extends TwoPaneLayout {
	listWidth: number;
	logWidth: number;
	/** Rows of the list below its heading line. */
	listRows: number;
	/** Log rows that fit in the log pane (below its title line). */
	logRows: number;
	logColumns: number;
	list: FleetColumns;
}

/** The line above the log pane: the selected host, its remote dependencies and NAT. */
const hostLineRows = 1;
export const fleetColumnWidths = {state: 8, restarts: 3, cpu: 6, memory: 6};

/**
 * Where everything goes for a terminal size. At 80 columns the list is host, daemon, state and
 * restarts, so the log pane keeps most of the width; from 100 columns CPU and memory too.
 */
export function fleetLayout(size: {columns: number; rows: number}, state: FleetState, mode: FleetMode): FleetLayout {
	const frame = twoPaneLayout(size, fleetKeymap, mode);
	const {columns, paneHeight} = frame;
	const longest = Math.max(8, ...state.hosts.flatMap(host => host.board.daemons.map(daemon => daemon.name.length)));
	const wide = columns >= 100;
	const list: FleetColumns = {name: Math.min(longest, wide ? 14 : 10), usage: wide, release: columns >= 160};
	const widths = fleetColumnWidths;
	// The border, the marker and symbol, the name, state and restarts with a space between each, then the border.
	const listWidth = 1 + 2 + 2 + 2 + list.name + 1 + widths.state + 1 + widths.restarts + (list.usage ? 2 + widths.cpu + widths.memory : 0) + 1;
	const logWidth = columns - listWidth;
	return {
		...frame,
		listWidth,
		logWidth,
		listRows: Math.max(1, paneHeight - 3),
		logRows: Math.max(1, paneHeight - hostLineRows - 3),
		logColumns: Math.max(10, logWidth - 2),
		list,
	};
}
