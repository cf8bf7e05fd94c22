import {footerItems, packFooter, type Keymap} from './keymap.js';

/** The rows of a two-pane screen besides the panes and the footer: two header lines and the status line. */
const headerRows = 2;
const statusRows = 1;

export interface TwoPaneLayout {
	columns: number;
	rows: number;
	/** Lines the footer takes: one, or two where the mode's keys need them. */
	footerRows: number;
	/** Height of the panes, borders included. */
	paneHeight: number;
}

/** How a terminal size is shared by a two-pane screen (the dashboard, the fleet view): header, panes, status line, footer. */
export function twoPaneLayout<C extends string, M extends string>(size: {columns: number; rows: number}, keymap: Keymap<C, M>, mode: M): TwoPaneLayout {
	const columns = Math.max(40, size.columns);
	const rows = Math.max(12, size.rows);
	const footerRows = Math.max(1, packFooter(footerItems(keymap, mode), columns, 2).length);
	return {columns, rows, footerRows, paneHeight: Math.max(4, rows - headerRows - statusRows - footerRows)};
}
