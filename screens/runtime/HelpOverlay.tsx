import {Box, Text} from 'ink';
import {bindingLabel, bindingsFor, type Binding, type Keymap} from './keymap.js';

export interface HelpOverlayProps<C extends string, M extends string> {
	keymap: Keymap<C, M>;
	/** Only the keys of this mode; every key of the screen when absent. */
	mode?: M;
	title?: string;
	/**
	 * The box to fill: the keys then go in two columns when one does not fit its height (the
	 * dashboard at 80×24), with long lines cut. Absent: one column, as tall as it needs.
	 */
	fit?: {height: number; width: number};
}

/** Every key of the screen with what it does, from the bindings table. */
export function HelpOverlay<C extends string, M extends string>({keymap, mode, title = 'Keys', fit}: HelpOverlayProps<C, M>) {
	const all = bindingsFor(keymap, mode).filter(binding => binding.help !== false);
	if (!fit) {
		return (
			<Box flexDirection="column" borderStyle="round" paddingX={1}>
				<Text bold>{title}</Text>
				{keyLines(keymap, all, {compact: false})}
			</Box>
		);
	}
	const rows = Math.max(1, fit.height - 3);
	const half = Math.ceil(all.length / 2);
	const columns = all.length > rows ? [all.slice(0, half), all.slice(half)] : [all];
	return (
		<Box flexDirection="column" borderStyle="round" paddingX={1} height={fit.height} width={fit.width} overflow="hidden">
			<Text bold>{title}</Text>
			<Box columnGap={3}>
				{columns.map((column, index) => (
					<Box key={index} flexDirection="column" flexShrink={1}>
						{keyLines(keymap, column, {compact: true})}
					</Box>
				))}
			</Box>
		</Box>
	);
}

/** One line a binding: its keys, padded to the widest, then what it does; compact lines are cut, not wrapped. */
function keyLines<C extends string, M extends string>(keymap: Keymap<C, M>, entries: readonly Binding<C, M>[], {compact}: {compact: boolean}) {
	const keyWidth = Math.max(...entries.map(binding => bindingLabel(binding).length));
	return entries.map(binding => (
		<Text key={`${binding.command} ${bindingLabel(binding)}`} wrap={compact ? 'truncate-end' : 'wrap'}>
			<Text bold>{bindingLabel(binding).padEnd(keyWidth)}</Text>
			{compact ? ' ' : '  '}
			{keymap.descriptions[binding.command]}
		</Text>
	));
}
