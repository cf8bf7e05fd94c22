import {Box, Text} from 'ink';
import type {DeployStep} from '../../services/deploy/events.js';
import {formatBytes, formatDuration} from '../../services/deploy/event-format.js';
import {hostElapsedMs, type DeployHostView} from './deploy-reducer.js';
import {cell, hostColumns, rightCell, summaryColumns as s, type DeployLayout} from './deploy-layout.js';
import {hostColors, hostSymbols} from './deploy-look.js';
import {Rule} from './HostOutput.js';

export interface SummaryListProps {
	hosts: readonly DeployHostView[];
	selected: number;
	first: number;
	end: number;
	layout: DeployLayout;
	color: boolean;
}

/** At the end: each host's result, time in steps, bytes sent and the release it runs now. */
export function SummaryList({hosts, selected, first, end, layout, color}: SummaryListProps) {
	const label = first > 0 || end < hosts.length ? `hosts ${first + 1}–${end} of ${hosts.length}` : 'host';
	return (
		<Box flexDirection="column" flexShrink={0}>
			<Text dimColor wrap="truncate-end">
				{' '.repeat(hostColumns.marker + hostColumns.symbol)}
				{cell(label, layout.summaryNameWidth)} {cell('result', s.result)} {rightCell('time', s.elapsed)} {rightCell('sent', s.bytes)} {cell('', s.kind)}{' '}
				{cell('runs now', s.release)}
			</Text>
			{hosts.slice(first, end).map((host, offset) => {
				const isSelected = first + offset === selected;
				const tone = color ? hostColors[host.state] : undefined;
				return (
					<Text key={host.host} wrap="truncate-end" inverse={isSelected} bold={isSelected}>
						{isSelected ? '› ' : '  '}
						<Text color={tone}>{hostSymbols[host.state]}</Text> {cell(host.host, layout.summaryNameWidth)} <Text color={tone}>{cell(host.state, s.result)}</Text>{' '}
						{rightCell(formatDuration(hostElapsedMs(host, 0)), s.elapsed)} {rightCell(host.bytesSent > 0 ? formatBytes(host.bytesSent) : '-', s.bytes)}{' '}
						{cell(host.bytesSent > 0 ? (host.transfer ?? '') : '', s.kind)} {cell(host.release ?? '-', s.release)}
					</Text>
				);
			})}
		</Box>
	);
}

/** The selected host's time per step, in as many columns as fit; the failed step marked with its error above. */
export function StepTimes({host, steps, rows, columns, color}: {host?: DeployHostView; steps: readonly DeployStep[]; rows: number; columns: number; color: boolean}) {
	if (!host) return <Rule text="step times" columns={columns} />;
	const timed = steps.filter(step => host.stepMs[step] !== undefined);
	const errorRows = host.error ? 1 : 0;
	const room = Math.max(1, rows - errorRows);
	const entryWidth = 15 + 1 + 7;
	const gap = 3;
	const perRow = Math.max(1, Math.floor((columns - 1 + gap) / (entryWidth + gap)));
	const rowCount = Math.min(room, Math.ceil(timed.length / perRow));
	// Column-major, like `ls`: steps read top to bottom, in order.
	const perColumn = Math.max(1, Math.ceil(timed.length / perRow));
	const lines: DeployStep[][] = Array.from({length: rowCount}, (_, row) => timed.filter((_step, index) => index % perColumn === row));
	return (
		<Box flexDirection="column" flexShrink={0}>
			<Rule text={`${host.host} · time per step`} columns={columns} />
			{host.error ? (
				<Text wrap="truncate-end" color={color ? 'redBright' : undefined}>
					✗ {host.error.step}: {host.error.message}
				</Text>
			) : null}
			{timed.length === 0 ? <Text dimColor>(no step ran on this host)</Text> : null}
			{lines.map((line, row) => (
				<Text key={row} wrap="truncate-end">
					{line.map((step, index) => (
						<Text key={step} color={color && host.error?.step === step ? 'redBright' : undefined}>
							{index > 0 ? ' '.repeat(gap) : ''}
							{cell(step, 15)} {rightCell(formatDuration(host.stepMs[step] ?? 0), 7)}
						</Text>
					))}
				</Text>
			))}
		</Box>
	);
}
