import {Box, Text} from 'ink';
import {memo} from 'react';
import type {DaemonStatus} from '../../services/supervisor/events.js';
import {lineAt, type LogBuffer} from './log-buffer.js';

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
}

/** The right pane: the selected daemon's log, only the rows that fit, each cut to the width. */
export const LogPane = memo(function LogPane(props: LogPaneProps) {
	const {daemon, buffer, start, end, follow, pattern, match, width, height, lineColumns, color} = props;
	const rows: React.ReactNode[] = [];
	for (let index = start; index < end; index++) {
		const line = (lineAt(buffer, index) ?? '').slice(0, lineColumns);
		rows.push(
			<Text key={index} wrap="truncate-end" underline={index === match}>
				{pattern ? highlight(line, pattern, color) : line}
			</Text>,
		);
	}
	return (
		<Box flexDirection="column" width={width} height={height} borderStyle="round" overflow="hidden">
			<Text wrap="truncate-end" bold>
				{daemon ? title(daemon) : 'no daemon'}
				{follow ? '' : <Text dimColor>{` · scrolled`}</Text>}
			</Text>
			{rows.length === 0 ? <Text dimColor>(no output yet)</Text> : rows}
		</Box>
	);
});

function title(daemon: DaemonStatus): string {
	const parts = [daemon.name, daemon.pid === undefined ? 'no pid' : `pid ${daemon.pid}`];
	if (daemon.port !== undefined) parts.push(`:${daemon.port}`);
	parts.push(`↻ ${daemon.restarts}`);
	if (daemon.reason && (daemon.state === 'crashed' || daemon.state === 'failed')) parts.push(daemon.reason);
	return parts.join(' · ');
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
