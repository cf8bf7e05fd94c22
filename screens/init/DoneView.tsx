import path from 'node:path';
import {Box, Text} from 'ink';
import {checkoutDirectory} from '../../services/instance/locate.js';
import type {InstanceSummary} from '../../services/instance/types.js';

/** How to name the instance on the command line: its NAME beside the checkout, else its path. */
export function instanceArgument(summary: InstanceSummary): string {
	return path.dirname(summary.path) === path.dirname(checkoutDirectory) ? summary.name : summary.path;
}

export function frontendUrl(hostName: string, summary: InstanceSummary): string {
	return `https://${hostName}:${summary.ports.frontend}/`;
}

export function DoneView({summary, hostName}: {summary: InstanceSummary; hostName: string}) {
	const rows: Array<[string, string]> = [
		['path', summary.path],
		['user id', String(summary.userId)],
		['host id', String(summary.hostId)],
		['frontend', frontendUrl(hostName, summary)],
		['amprun root', summary.amprunRoot],
		['hub', summary.hub],
	];
	return (
		<Box flexDirection="column" gap={1}>
			<Text color="green" bold>
				✓ Created the instance {summary.name}
			</Text>
			<Box flexDirection="column">
				{rows.map(([label, value]) => (
					<Text key={label}>
						{'  '}
						<Text dimColor>{label.padEnd(12)}</Text>
						{value}
					</Text>
				))}
			</Box>
			<Text>
				next: <Text bold>ampzero run {instanceArgument(summary)}</Text>
			</Text>
		</Box>
	);
}
