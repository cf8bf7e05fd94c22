import type {DaemonStatus} from '../../services/supervisor/events.js';
import {twoPaneLayout, type TwoPaneLayout} from '../runtime/two-pane-layout.js';
import {dashboardKeymap, type DashboardMode} from './dashboard-keymap.js';

export interface ListColumns {
	name: number;
	/** Uptime, port, pid and restarts (the log pane's title gives the selected daemon's pid, port and restarts in any case). */
	details: boolean;
	/** CPU% and memory of each daemon's processes. */
	usage: boolean;
}

export interface DashboardLayout extends TwoPaneLayout {
	listWidth: number;
	logWidth: number;
	/** Log rows that fit in the log pane (below its title line). */
	logRows: number;
	/** Characters of a log line that fit. */
	logColumns: number;
	list: ListColumns;
}

const stateWidth = 8;
const uptimeWidth = 6;
const portWidth = 5;
const pidWidth = 7;
const restartsWidth = 3;
const cpuWidth = 6;
const memoryWidth = 6;

/**
 * Where everything goes for a terminal size. The list takes what its columns need: on a narrow
 * terminal (80 columns) a narrow column of state and name only, so the log pane gets the rest of
 * the width and a log line wraps less (as mprocs does); from 100 columns uptime, port, pid and
 * restarts too, from 120 CPU and memory.
 */
export function dashboardLayout(size: {columns: number; rows: number}, daemons: readonly DaemonStatus[], mode: DashboardMode): DashboardLayout {
	const frame = twoPaneLayout(size, dashboardKeymap, mode);
	const {columns, paneHeight} = frame;
	const longest = Math.max(6, ...daemons.map(daemon => daemon.name.length));
	const wide = columns >= 100;
	const list: ListColumns = {name: Math.min(longest, wide ? 16 : 12), details: wide, usage: columns >= 120};
	// The border, marker + symbol, then the columns with a space between each, a space, then the border.
	const details = 1 + uptimeWidth + 1 + portWidth + 1 + pidWidth + 1 + restartsWidth;
	const listWidth = 1 + 2 + 2 + list.name + 1 + stateWidth + (list.details ? details : 0) + (list.usage ? 2 + cpuWidth + memoryWidth : 0) + 2;
	const logWidth = columns - listWidth;
	return {
		...frame,
		listWidth,
		logWidth,
		logRows: Math.max(1, paneHeight - 3),
		logColumns: Math.max(10, logWidth - 2),
		list,
	};
}

export const listColumnWidths = {state: stateWidth, uptime: uptimeWidth, port: portWidth, pid: pidWidth, restarts: restartsWidth, cpu: cpuWidth, memory: memoryWidth};
