import {Box, Text} from 'ink';
import {memo} from 'react';
import type {DaemonStatus} from '../../services/supervisor/events.js';
import {lineAt, type LogBuffer} from './log-buffer.js';
import {levelColors, shownLine, type ShownLine} from './log-format.js';

export interface LogPaneProps {
	daemon?: DaemonStatus;
	buffer: LogBuffer;
	/** Absolute range of lines to show; never more than `rows` of them. */
	start: number;
	end: number;
	follow: boolean;
	/** Case-insensitive pattern to highlight, and the line of the current match. */
	pattern?: string;
	match?: number;
	width: number;
	height: number;
	/** Characters of a line that fit. */
	lineColumns: number;
	color: boolean;
	/** Lines as the daemon wrote them, not formatted. */
	raw: boolean;
}

/** Rows one log line may take when it wraps; the rest of a longer line is cut with an ellipsis. */
export const maxRowsPerLine = 4;

/**
 * The right pane: the selected daemon's log, wrapped to the pane's width and anchored at the
 * bottom line of the window, so that a long line (an ISO timestamp eats half of 80 columns) is
 * still readable. Only the rows that fit are rendered.
 */
export const LogPane = memo(function LogPane(props: LogPaneProps) {
	const {daemon, buffer, start, end, follow, pattern, match, width, height, lineColumns, color, raw} = props;
	const rowCount = Math.max(1, height - 3);
	let rows = wrappedRows(buffer, start, end, lineColumns, rowCount, raw);
	// Wrapped lines above it can push the current search match out of view: then it is the bottom line.
	if (match !== undefined && match >= start && match < end && !rows.some(row => row.index === match)) {
		rows = wrappedRows(buffer, start, match + 1, lineColumns, rowCount, raw);
	}
	return (
		<Box flexDirection="column" width={width} height={height} borderStyle="round">
			<Text wrap="truncate-end" bold>
				{daemon ? title(daemon) : 'no daemon'}
				{follow ? '' : <Text dimColor>{` · scrolled`}</Text>}
				{raw ? <Text dimColor>{` · raw`}</Text> : ''}
			</Text>
			{rows.length === 0 ? (
				<Text dimColor>(no output yet)</Text>
			) : (
				// Keyed by the row's place, not its line: as the tail moves, each row's text changes in place instead of every row being made anew.
				rows.map((row, place) => (
					<Text key={place} wrap="truncate-end" underline={row.index === match}>
						{pattern ? highlight(row.text, pattern, color) : color && row.level ? withLevel(row.text, row.level) : row.text}
					</Text>
				))
			)}
		</Box>
	);
});

export interface WrappedRow {
	/** The line's absolute index in the buffer, and which of its rows this is. */
	index: number;
	part: number;
	text: string;
	/** Where the level word is in this row (the first row of a formatted line). */
	level?: ShownLine['level'];
}

/** The rows that fill `rowCount`, from line `end - 1` upwards: the top line may show only its last rows. */
export function wrappedRows(buffer: LogBuffer, start: number, end: number, columns: number, rowCount: number, raw = false): WrappedRow[] {
	const rows: WrappedRow[] = [];
	for (let index = end - 1; index >= start && rows.length < rowCount; index--) {
		const shown = shownLine(lineAt(buffer, index) ?? '', raw);
		const parts = wrapLine(shown.text, columns);
		for (let part = parts.length - 1; part >= 0 && rows.length < rowCount; part--) {
			const level = part === 0 && shown.level && shown.level.end <= parts[0]!.length ? shown.level : undefined;
			rows.push({index, part, text: parts[part]!, ...(level ? {level} : {})});
		}
	}
	return rows.reverse();
}

function wrapLine(line: string, columns: number): string[] {
	if (line.length <= columns) return [line];
	const parts: string[] = [];
	for (let from = 0; from < line.length && parts.length < maxRowsPerLine; from += columns) parts.push(line.slice(from, from + columns));
	if (parts.length * columns < line.length) parts[parts.length - 1] = `${parts.at(-1)!.slice(0, columns - 1)}…`;
	return parts;
}

function title(daemon: DaemonStatus): string {
	const parts = [daemon.name, daemon.pid === undefined ? 'no pid' : `pid ${daemon.pid}`];
	if (daemon.port !== undefined) parts.push(`:${daemon.port}`);
	parts.push(`↻ ${daemon.restarts}`);
	if (daemon.reason && (daemon.state === 'crashed' || daemon.state === 'failed')) parts.push(daemon.reason);
	return parts.join(' · ');
}

function withLevel(text: string, level: NonNullable<ShownLine['level']>): React.ReactNode {
	return [
		text.slice(0, level.start),
		<Text key="level" color={levelColors[level.name]} bold={level.name === 'error'}>
			{text.slice(level.start, level.end)}
		</Text>,
		text.slice(level.end),
	];
}

function highlight(line: string, pattern: string, color: boolean): React.ReactNode {
	const lower = line.toLowerCase();
	const needle = pattern.toLowerCase();
	const parts: React.ReactNode[] = [];
	let from = 0;
	for (let at = lower.indexOf(needle); at !== -1 && needle.length > 0; at = lower.indexOf(needle, from)) {
		if (at > from) parts.push(line.slice(from, at));
		parts.push(
			<Text key={at} inverse color={color ? 'yellow' : undefined}>
				{line.slice(at, at + needle.length)}
			</Text>,
		);
		from = at + needle.length;
	}
	if (parts.length === 0) return line;
	parts.push(line.slice(from));
	return parts;
}
