import {Box, Text} from 'ink';
import {frontendUrl} from '../../services/config/urls.js';
import {instanceArgument} from '../../services/instance/locate.js';
import type {InstanceSummary} from '../../services/instance/types.js';

export function DoneView({summary, hostName}: {summary: InstanceSummary; hostName: string}) {
	const rows: Array<[string, string]> = [
		['path', summary.path],
		['user id', String(summary.userId)],
		['host id', String(summary.hostId)],
		['frontend', frontendUrl({hostName, ports: summary.ports})],
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
				next: <Text bold>ampzero run {instanceArgument(summary.path)}</Text>
			</Text>
		</Box>
	);
}
