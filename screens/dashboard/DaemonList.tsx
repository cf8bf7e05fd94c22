import {Box, Text} from 'ink';
import {memo} from 'react';
import type {DaemonStatus} from '../../services/supervisor/events.js';
import {stateColors, stateSymbols, uptimeOf} from './daemon-look.js';
import {listColumnWidths as widths, type ListColumns} from './layout.js';

export interface DaemonListProps {
	daemons: readonly DaemonStatus[];
	selected: number;
	now: number;
	columns: ListColumns;
	width: number;
	height: number;
	color: boolean;
}

/** The left pane: one row per daemon with state (colour and symbol), uptime, port, pid, restarts. */
export const DaemonList = memo(function DaemonList({daemons, selected, now, columns, width, height, color}: DaemonListProps) {
	const rows = Math.max(1, height - 3);
	// Keep the selected daemon in view when there are more daemons than rows.
	const first = Math.min(Math.max(0, selected - rows + 1), Math.max(0, daemons.length - rows));
	const shown = daemons.slice(first, first + rows);
	return (
		<Box flexDirection="column" width={width} height={height} borderStyle="round" flexShrink={0}>
			<Text dimColor wrap="truncate-end">
				{'    '}
				{cell('daemon', columns.name)} {cell('state', widths.state)} {cell('up', widths.uptime)} {cell('port', widths.port)}
				{columns.pid ? ` ${cell('pid', widths.pid)}` : ''}
				{columns.restarts ? ` ${cell('↻', widths.restarts)}` : ''}
			</Text>
			{shown.map((daemon, offset) => (
				<DaemonRow key={daemon.name} daemon={daemon} isSelected={first + offset === selected} now={now} columns={columns} color={color} />
			))}
		</Box>
	);
});

function DaemonRow({daemon, isSelected, now, columns, color}: {daemon: DaemonStatus; isSelected: boolean; now: number; columns: ListColumns; color: boolean}) {
	const tone = color ? stateColors[daemon.state] : undefined;
	return (
		<Text wrap="truncate-end" inverse={isSelected} bold={isSelected}>
			{isSelected ? '› ' : '  '}
			<Text color={tone}>{stateSymbols[daemon.state]}</Text> {cell(daemon.name, columns.name)} <Text color={tone}>{cell(daemon.state, widths.state)}</Text>{' '}
			{cell(uptimeOf(daemon.state, daemon.startedAt, now), widths.uptime)} {cell(daemon.port === undefined ? '-' : String(daemon.port), widths.port)}
			{columns.pid ? ` ${cell(daemon.pid === undefined ? '-' : String(daemon.pid), widths.pid)}` : ''}
			{columns.restarts ? ` ${cell(String(daemon.restarts), widths.restarts)}` : ''}
		</Text>
	);
}

function cell(text: string, width: number): string {
	return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}
