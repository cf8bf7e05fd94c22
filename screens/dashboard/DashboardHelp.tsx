import {Box, Text} from 'ink';
import {bindingLabel, bindingsFor, type Binding} from '../runtime/keymap.js';
import {dashboardKeymap, type DashboardCommand, type DashboardMode} from './dashboard-keymap.js';

/**
 * Every key of the dashboard with what it does, from the bindings table: in two columns when one
 * does not fit the height (80×24).
 */
export function DashboardHelp({height, width, mode}: {height: number; width: number; mode: 'list' | 'list-foreground'}) {
	const all = bindingsFor(dashboardKeymap, mode);
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

function HelpColumn({entries}: {entries: Binding<DashboardCommand, DashboardMode>[]}) {
	const keyWidth = Math.max(...entries.map(binding => bindingLabel(binding).length));
	return (
		<Box flexDirection="column" flexShrink={1}>
			{entries.map(binding => (
				<Text key={`${binding.command} ${bindingLabel(binding)}`} wrap="truncate-end">
					<Text bold>{bindingLabel(binding).padEnd(keyWidth)}</Text> {dashboardKeymap.descriptions[binding.command]}
				</Text>
			))}
		</Box>
	);
}
