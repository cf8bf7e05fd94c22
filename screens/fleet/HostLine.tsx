import {Text} from 'ink';
import {shortNat} from '../../services/nat/nat-status.js';
import {remoteState} from '../../services/supervisor/status-format.js';
import {remoteLook} from '../dashboard/DaemonList.js';
import type {FleetHostState} from './fleet-reducer.js';
import {linkLook} from './FleetList.js';

/** How long until a dropped host is tried again, from the time the view last drew. */
function retryIn(host: FleetHostState, now: number): string {
	if (host.retryInMs === undefined || host.linkSince === undefined) return '';
	const seconds = Math.max(0, Math.ceil((host.linkSince + host.retryInMs - now) / 1000));
	return seconds > 0 ? ` · retrying in ${seconds} s` : ' · retrying now';
}

/**
 * The line above the log: the selected host, its link (why it is unreachable and when it is tried
 * again), its remote dependencies with their reachability, and its NAT mapping.
 */
export function HostLine({host, now, color}: {host: FleetHostState | undefined; now: number; color: boolean}) {
	if (!host) return <Text> </Text>;
	const look = linkLook[host.link];
	const info = host.board.info;
	const remote = info?.remote ?? [];
	return (
		<Text wrap="truncate-end">
			<Text dimColor>{' host '}</Text>
			<Text bold>{host.label}</Text>
			{host.link === 'connected' ? null : (
				<Text color={color ? look.color : undefined}>
					{` ${look.word}${host.error ? `: ${host.error}` : ''}`}
					{host.link === 'unreachable' ? retryIn(host, now) : ''}
				</Text>
			)}
			{remote.length > 0 ? ' · remote' : ''}
			{remote.map(dependency => {
				const state = remoteState(dependency);
				return (
					<Text key={dependency.name}>
						{' '}
						{dependency.name}{' '}
						<Text color={color ? remoteLook[state].color : undefined}>{remoteLook[state].symbol}</Text>
					</Text>
				);
			})}
			{info?.nat ? <Text dimColor>{` · ${shortNat(info.nat)}`}</Text> : null}
		</Text>
	);
}
