import {Box, Text} from 'ink';
import {bindingsFor, commandDescriptions, type Binding} from '../bindings.js';

/**
 * Every key of the dashboard with what it does, from the bindings table: in two columns when one
 * does not fit the height (80×24).
 */
export function DashboardHelp({height, width, mode}: {height: number; width: number; mode: 'list' | 'list-foreground'}) {
	const all = bindingsFor('dashboard', mode);
	const fit = Math.max(1, height - 3);
	const columns = all.length > fit ? [all.slice(0, Math.ceil(all.length / 2)), all.slice(Math.ceil(all.length / 2))] : [all];
	return (
		<Box flexDirection="column" borderStyle="round" paddingX={1} height={height} width={width} overflow="hidden">
			<Text bold>Keys of the dashboard</Text>
			<Box columnGap={3}>
				{columns.map((column, index) => (
					<HelpColumn key={index} entries={column} />
				))}
			</Box>
		</Box>
	);
}

function HelpColumn({entries}: {entries: Binding[]}) {
	const keyWidth = Math.max(...entries.map(binding => binding.keys.length));
	return (
		<Box flexDirection="column" flexShrink={1}>
			{entries.map(binding => (
				<Text key={`${binding.command} ${binding.keys}`} wrap="truncate-end">
					<Text bold>{binding.keys.padEnd(keyWidth)}</Text> {commandDescriptions[binding.command]}
				</Text>
			))}
		</Box>
	);
}
