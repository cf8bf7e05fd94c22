import {Box, Text} from 'ink';
import {memo} from 'react';
import {formatBytes, formatDuration} from '../../services/deploy/event-format.js';
import {hostElapsedMs, type DeployHostView} from './deploy-reducer.js';
import {cell, hostColumns as c, rightCell, type DeployLayout} from './deploy-layout.js';
import {hostColors, hostSymbols} from './deploy-look.js';

export interface HostListProps {
	hosts: readonly DeployHostView[];
	selected: number;
	/** The rows shown: never more than the layout's `listRows`. */
	first: number;
	end: number;
	stepCount: number;
	now: number;
	layout: DeployLayout;
	color: boolean;
}

/** A header and one row per host shown: state symbol, current step, steps-done bar, bytes sent, elapsed. */
export const HostList = memo(function HostList({hosts, selected, first, end, stepCount, now, layout, color}: HostListProps) {
	const label = first > 0 || end < hosts.length ? `hosts ${first + 1}–${end} of ${hosts.length}` : 'host';
	return (
		<Box flexDirection="column" flexShrink={0}>
			<Text dimColor wrap="truncate-end">
				{' '.repeat(c.marker + c.symbol)}
				{cell(label, layout.nameWidth)} {cell('step', c.step)} {cell('progress', layout.barWidth + 1 + c.count)} {rightCell('sent', c.bytes)}{' '}
				{cell('', c.kind)} {rightCell('time', c.elapsed)}
			</Text>
			{hosts.slice(first, end).map((host, offset) => (
				<HostRow key={host.host} host={host} isSelected={first + offset === selected} stepCount={stepCount} now={now} layout={layout} color={color} />
			))}
		</Box>
	);
});

function HostRow({host, isSelected, stepCount, now, layout, color}: {host: DeployHostView; isSelected: boolean; stepCount: number; now: number; layout: DeployLayout; color: boolean}) {
	const tone = color ? hostColors[host.state] : undefined;
	const filled = stepCount === 0 ? 0 : Math.min(layout.barWidth, Math.round((host.stepsDone / stepCount) * layout.barWidth));
	const failed = host.state === 'failed' || host.error !== undefined;
	const sent = host.bytesSent > 0 ? formatBytes(host.bytesSent) : host.plannedBytes === undefined ? '-' : `~${formatBytes(host.plannedBytes)}`;
	return (
		<Text wrap="truncate-end" inverse={isSelected} bold={isSelected}>
			{isSelected ? '› ' : '  '}
			<Text color={tone}>{hostSymbols[host.state]}</Text> {cell(host.host, layout.nameWidth)}{' '}
			<Text color={failed ? tone : undefined}>{cell(stepLabel(host), c.step)}</Text>{' '}
			<Text color={color ? (failed ? 'red' : 'green') : undefined}>{'█'.repeat(filled)}</Text>
			<Text dimColor={!isSelected}>{'░'.repeat(layout.barWidth - filled)}</Text> {rightCell(`${host.stepsDone}/${stepCount}`, c.count)}{' '}
			{rightCell(sent, c.bytes)} {cell(host.transfer ?? '', c.kind)} {rightCell(formatDuration(hostElapsedMs(host, now)), c.elapsed)}
		</Text>
	);
}

/** The step running, the step that failed, or the state when no step runs. */
function stepLabel(host: DeployHostView): string {
	if (host.state === 'running' && host.step) return host.step;
	if (host.error && (host.state === 'failed' || host.state === 'rolling-back' || host.state === 'rolled-back')) return host.state === 'failed' ? host.error.step : host.state;
	if (host.state === 'waiting') return host.step ?? 'waiting';
	return host.state;
}
