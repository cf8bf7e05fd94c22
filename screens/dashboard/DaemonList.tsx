import {Box, Text} from 'ink';
import {memo} from 'react';
import type {DaemonStatus, RemoteDependency} from '../../services/supervisor/events.js';
import {remoteState} from '../../services/supervisor/status-format.js';
import {formatCpu, formatMemory, type DaemonUsage} from '../../services/supervisor/usage.js';
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
	/** CPU and memory by daemon name (shown when `columns.usage`). */
	usage?: ReadonlyMap<string, DaemonUsage>;
	/** Daemons of other hosts this run relies on, listed under the local ones with their reachability. */
	remote?: readonly RemoteDependency[];
}

/** The left pane: one row per daemon with state (colour and symbol), uptime, port, pid, restarts. */
export const DaemonList = memo(function DaemonList({daemons, selected, now, columns, width, height, color, usage, remote = []}: DaemonListProps) {
	const rows = Math.max(1, height - 3);
	// The remote section takes only rows the local daemons leave free (a heading and one row each).
	const remoteRows = remote.length > 0 ? Math.max(0, Math.min(remote.length, rows - daemons.length - 1)) : 0;
	// Keep the selected daemon in view when there are more daemons than rows.
	const first = Math.min(Math.max(0, selected - rows + 1), Math.max(0, daemons.length - rows));
	const shown = daemons.slice(first, first + rows);
	return (
		<Box flexDirection="column" width={width} height={height} borderStyle="round" flexShrink={0}>
			<Text dimColor wrap="truncate-end">
				{'    '}
				{cell('daemon', columns.name)} {cell('state', widths.state)}
				{columns.details ? ` ${cell('up', widths.uptime)} ${cell('port', widths.port)} ${cell('pid', widths.pid)} ${cell('↻', widths.restarts)}` : ''}
				{columns.usage ? ` ${cell('cpu', widths.cpu, 'right')} ${cell('mem', widths.memory, 'right')}` : ''}
			</Text>
			{shown.map((daemon, offset) => (
				<DaemonRow key={daemon.name} daemon={daemon} isSelected={first + offset === selected} now={now} columns={columns} color={color} usage={usage?.get(daemon.name)} />
			))}
			{remoteRows > 0 ? (
				<Text dimColor wrap="truncate-end">
					{'    remote'}
				</Text>
			) : null}
			{remote.slice(0, remoteRows).map(dependency => (
				<RemoteRow key={dependency.name} dependency={dependency} columns={columns} color={color} />
			))}
		</Box>
	);
});

function DaemonRow({daemon, isSelected, now, columns, color, usage}: {daemon: DaemonStatus; isSelected: boolean; now: number; columns: ListColumns; color: boolean; usage: DaemonUsage | undefined}) {
	const running = daemon.pid !== undefined;
	const tone = color ? stateColors[daemon.state] : undefined;
	return (
		<Text wrap="truncate-end" inverse={isSelected} bold={isSelected}>
			{isSelected ? '› ' : '  '}
			<Text color={tone}>{stateSymbols[daemon.state]}</Text> {cell(daemon.name, columns.name)} <Text color={tone}>{cell(daemon.state, widths.state)}</Text>
			{columns.details ? ` ${details(daemon, now)}` : ''}
			{columns.usage ? ` ${cell(running ? formatCpu(usage) : '-', widths.cpu, 'right')} ${cell(running ? formatMemory(usage) : '-', widths.memory, 'right')}` : ''}
		</Text>
	);
}

/** Uptime, port, pid and restarts, in their columns. */
function details(daemon: DaemonStatus, now: number): string {
	const uptime = cell(uptimeOf(daemon.state, daemon.startedAt, now), widths.uptime);
	const port = cell(daemon.port === undefined ? '-' : String(daemon.port), widths.port);
	const pid = cell(daemon.pid === undefined ? '-' : String(daemon.pid), widths.pid);
	return `${uptime} ${port} ${pid} ${cell(String(daemon.restarts), widths.restarts)}`;
}

export const remoteLook = {reachable: {symbol: '●', color: 'green'}, unreachable: {symbol: '✗', color: 'red'}, checking: {symbol: '…', color: 'yellow'}} as const;

function RemoteRow({dependency, columns, color}: {dependency: RemoteDependency; columns: ListColumns; color: boolean}) {
	const state = remoteState(dependency);
	const tone = color ? remoteLook[state].color : undefined;
	return (
		<Text wrap="truncate-end">
			{'  '}
			<Text color={tone}>{remoteLook[state].symbol}</Text> {cell(dependency.name, columns.name)} <Text color={tone}>{state}</Text> <Text dimColor>{dependency.url}</Text>
		</Text>
	);
}

/** Text fitted to a column: cut with an ellipsis, or padded. */
export function cell(text: string, width: number, align: 'left' | 'right' = 'left'): string {
	if (text.length > width) return `${text.slice(0, width - 1)}…`;
	return align === 'right' ? text.padStart(width) : text.padEnd(width);
}
