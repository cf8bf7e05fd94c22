import {Box, Text} from 'ink';
import {bindingLabel, bindingsFor, type Binding, type Keymap} from '../runtime/keymap.js';
import {dashboardKeymap} from './dashboard-keymap.js';

/** Every key of the dashboard with what it does, from the bindings table. */
export function DashboardHelp({height, width, mode}: {height: number; width: number; mode: 'list' | 'list-foreground'}) {
	return <KeysHelp keymap={dashboardKeymap} mode={mode} title="Keys of the dashboard" height={height} width={width} />;
}

/**
 * Every key of a screen in a mode with what it does, from its bindings table: in two columns when
 * one does not fit the height (80×24). The dashboard's and the fleet view's help.
 */
export function KeysHelp<C extends string, M extends string>({keymap, mode, title, height, width}: {keymap: Keymap<C, M>; mode: M; title: string; height: number; width: number}) {
	const all = bindingsFor(keymap, mode);
	const fit = Math.max(1, height - 3);
	const columns = all.length > fit ? [all.slice(0, Math.ceil(all.length / 2)), all.slice(Math.ceil(all.length / 2))] : [all];
	return (
		<Box flexDirection="column" borderStyle="round" paddingX={1} height={height} width={width} overflow="hidden">
			<Text bold>{title}</Text>
			<Box columnGap={3}>
				{columns.map((column, index) => (
					<HelpColumn key={index} keymap={keymap} entries={column} />
				))}
			</Box>
		</Box>
	);
}

function HelpColumn<C extends string, M extends string>({keymap, entries}: {keymap: Keymap<C, M>; entries: Binding<C, M>[]}) {
	const keyWidth = Math.max(...entries.map(binding => bindingLabel(binding).length));
	return (
		<Box flexDirection="column" flexShrink={1}>
			{entries.map(binding => (
				<Text key={`${binding.command} ${bindingLabel(binding)}`} wrap="truncate-end">
					<Text bold>{bindingLabel(binding).padEnd(keyWidth)}</Text> {keymap.descriptions[binding.command]}
				</Text>
			))}
		</Box>
	);
}
