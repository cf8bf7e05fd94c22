import {bodyRows} from '../runtime/ScreenFrame.js';

/** Widths of the fixed columns of a host row. */
export const hostColumns = {marker: 2, symbol: 2, step: 15, count: 5, bytes: 8, kind: 5, elapsed: 6} as const;

/** Widths of the fixed columns of a summary row. */
export const summaryColumns = {result: 11, elapsed: 7, bytes: 7, kind: 5, release: 17} as const;

export interface DeployLayout {
	columns: number;
	/** Host rows the list shows (the rest scrolls). */
	listRows: number;
	/** Output lines shown below the list. */
	outputRows: number;
	/** Characters of a host name that fit in a row. */
	nameWidth: number;
	/** Cells of the steps-done bar. */
	barWidth: number;
	/** Characters of a host name in a summary row. */
	summaryNameWidth: number;
}

/** Lines of the body besides the host rows and the output lines: phase, list header, status line, output title. */
const fixedRows = 4;
/** The output keeps at least this many lines however many hosts there are. */
const minOutputRows = 5;

/** Where everything goes for a terminal size and a host count. */
export function deployLayout(size: {columns: number; rows: number}, hosts: readonly {host: string}[]): DeployLayout {
	const columns = Math.max(60, size.columns);
	const body = bodyRows(Math.max(12, size.rows));
	const room = Math.max(2, body - fixedRows);
	// On a short terminal the list and the output share the room.
	const keepForOutput = Math.min(minOutputRows, Math.floor(room / 2));
	const listRows = Math.max(1, Math.min(Math.max(1, hosts.length), room - keepForOutput));
	const outputRows = Math.max(1, room - listRows);
	const longest = Math.max(4, ...hosts.map(host => host.host.length));
	const c = hostColumns;
	const fixed = c.marker + c.symbol + 1 + c.step + 1 + 1 + c.count + 1 + c.bytes + 1 + c.kind + 1 + c.elapsed + 1;
	const minBar = 7;
	const nameWidth = Math.min(longest, Math.max(8, columns - fixed - minBar));
	const barWidth = Math.max(minBar, Math.min(19, columns - fixed - nameWidth));
	const s = summaryColumns;
	const summaryFixed = c.marker + c.symbol + 1 + s.result + 1 + s.elapsed + 1 + s.bytes + 1 + s.kind + 1 + s.release + 1;
	const summaryNameWidth = Math.min(longest, Math.max(8, columns - summaryFixed));
	return {columns, listRows, outputRows, nameWidth, barWidth, summaryNameWidth};
}

/** Text cut to `width` with an ellipsis, or padded to it. */
export function cell(text: string, width: number): string {
	return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text.padEnd(width);
}

export function rightCell(text: string, width: number): string {
	return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text.padStart(width);
}
