import {Box, Text} from 'ink';
import {memo} from 'react';
import type {HostLink} from '../../services/fleet/fleet-watch.js';
import type {DaemonStatus} from '../../services/supervisor/events.js';
import {formatCpu, formatMemory, type DaemonUsage} from '../../services/supervisor/usage.js';
import {stateColors, stateSymbols} from '../dashboard/daemon-look.js';
import {cell} from '../dashboard/DaemonList.js';
import {fleetColumnWidths as widths, type FleetColumns} from './fleet-layout.js';
import {fleetRows, hostLive, selectedRow, type FleetHostState, type FleetState} from './fleet-reducer.js';

export const linkLook: Record<HostLink, {symbol: string; color: string; word: string}> = {
	connecting: {symbol: '…', color: 'yellow', word: 'connecting'},
	connected: {symbol: '●', color: 'green', word: ''},
	'not-running': {symbol: '■', color: 'gray', word: 'not running'},
	unreachable: {symbol: '✗', color: 'red', word: 'unreachable'},
};

/**
 * The left pane: every host, each with its daemons under it (state, restarts, CPU and memory as
 * the host samples them). A host that is not connected keeps the daemons it last reported, dimmed
 * and marked `?`.
 * The rows scroll so the selected one stays in view (30 hosts are some 240 rows).
 */
export const FleetList = memo(function FleetList({state, columns, width, height, color}: FleetListProps) {
	const rows = fleetRows(state);
	const visible = Math.max(1, height - 3);
	const selected = selectedRow(state);
	const at = Math.max(0, rows.findIndex(row => row.host === selected.host && row.daemon === selected.daemon));
	// The selected host's row tops the pane where its daemons fit below it; the list never scrolls past its end.
	const hostAt = rows.findIndex(row => row.host === selected.host && row.daemon === undefined);
	const first = Math.max(0, Math.min(at - hostAt < visible ? hostAt : at - visible + 1, rows.length - visible));
	const shown = rows.slice(first, first + visible);
	return (
		<Box flexDirection="column" width={width} height={height} borderStyle="round" flexShrink={0}>
			<Text dimColor wrap="truncate-end">
				{'      '}
				{cell('daemon', columns.name)} {cell('state', widths.state)} {cell('↻', widths.restarts)}
				{columns.usage ? ` ${cell('cpu', widths.cpu, 'right')} ${cell('mem', widths.memory, 'right')}` : ''}
			</Text>
			{shown.map(row => {
				const host = state.hosts[row.host]!;
				const isSelected = row.host === selected.host && row.daemon === selected.daemon;
				if (row.daemon === undefined) return <HostRow key={host.label} host={host} isSelected={isSelected} columns={columns} color={color} />;
				const daemon = host.board.daemons[row.daemon]!;
				return <DaemonRow key={`${host.label} ${daemon.name}`} daemon={daemon} live={hostLive(host)} isSelected={isSelected} columns={columns} color={color} usage={host.usage[daemon.name]} />;
			})}
		</Box>
	);
}, sameList);

interface FleetListProps {
	state: FleetState;
	columns: FleetColumns;
	width: number;
	height: number;
	color: boolean;
}

/** The list shows hosts' links, releases, daemons and usage and the selection: log lines folded into a board change none of them. */
function sameList(before: FleetListProps, after: FleetListProps): boolean {
	const [a, b] = [before.columns, after.columns];
	if (a.name !== b.name || a.usage !== b.usage || a.release !== b.release || before.width !== after.width || before.height !== after.height || before.color !== after.color) return false;
	const [was, is] = [before.state, after.state];
	if (was === is) return true;
	if (was.host !== is.host || was.hosts.length !== is.hosts.length) return false;
	return is.hosts.every((host, index) => {
		const old = was.hosts[index]!;
		return host === old || (host.label === old.label && host.link === old.link && host.release === old.release && host.usage === old.usage && host.board.daemons === old.board.daemons && host.board.selected === old.board.selected);
	});
}

function HostRow({host, isSelected, columns, color}: {host: FleetHostState; isSelected: boolean; columns: FleetColumns; color: boolean}) {
	const look = linkLook[host.link];
	return (
		<Text wrap="truncate-end" inverse={isSelected} bold>
			{isSelected ? '› ' : '  '}
			<Text color={color ? look.color : undefined}>{look.symbol}</Text> {host.label}
			{look.word ? <Text color={color ? look.color : undefined}>{` ${look.word}`}</Text> : null}
			{columns.release && host.release ? <Text dimColor>{` ${host.release}`}</Text> : null}
		</Text>
	);
}

function DaemonRow({daemon, live, isSelected, columns, color, usage}: {daemon: DaemonStatus; live: boolean; isSelected: boolean; columns: FleetColumns; color: boolean; usage: DaemonUsage | undefined}) {
	const tone = color && live ? stateColors[daemon.state] : undefined;
	const running = live && daemon.pid !== undefined;
	return (
		<Text wrap="truncate-end" inverse={isSelected} bold={isSelected} dimColor={!live}>
			{isSelected ? '›   ' : '    '}
			<Text color={tone}>{live ? stateSymbols[daemon.state] : '?'}</Text> {cell(daemon.name, columns.name)} <Text color={tone}>{cell(daemon.state, widths.state)}</Text> {cell(String(daemon.restarts), widths.restarts)}
			{columns.usage ? ` ${cell(running ? formatCpu(usage) : '-', widths.cpu, 'right')} ${cell(running ? formatMemory(usage) : '-', widths.memory, 'right')}` : ''}
		</Text>
	);
}
