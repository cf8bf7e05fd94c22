import {Box, Text} from 'ink';
import {bindingsFor, type Binding, type Screen} from '../bindings.js';
import {useTerminalSize} from '../hooks/use-terminal-size.js';

const gap = 2;
const label = (binding: Binding): string => binding.description.split(':')[0] ?? binding.description;
const widthOf = (binding: Binding): number => binding.keys.length + 1 + label(binding).length;

/**
 * Packs the footer keys into at most `maxLines` lines of `columns`; the help key is always kept,
 * the others are dropped from the end when they do not fit (the help overlay lists them all).
 */
export function packFooter(all: readonly Binding[], columns: number, maxLines: number): Binding[][] {
	const help = all.filter(binding => binding.id === 'help');
	let items = [...all.filter(binding => binding.id !== 'help'), ...help];
	for (;;) {
		const lines: Binding[][] = [];
		let width = 0;
		for (const item of items) {
			const line = lines.at(-1);
			if (line && width + gap + widthOf(item) <= columns) {
				line.push(item);
				width += gap + widthOf(item);
			} else {
				lines.push([item]);
				width = widthOf(item);
			}
		}
		if (lines.length <= maxLines || items.length <= help.length + 1) return lines.slice(0, maxLines);
		items = [...items.slice(0, items.length - help.length - 1), ...help];
	}
}

/** The keys that apply now, drawn from the bindings table, in up to two lines. */
export function Footer({screen, mode, maxLines = 2}: {screen: Screen; mode?: string; maxLines?: number}) {
	const {columns} = useTerminalSize();
	const lines = packFooter(
		bindingsFor(screen, mode).filter(binding => binding.footer),
		columns,
		maxLines,
	);
	return (
		<Box flexDirection="column">
			{lines.map(line => (
				<Text key={line.map(binding => binding.id).join()}>
					{line.map((binding, index) => (
						<Text key={binding.id}>
							{index > 0 ? ' '.repeat(gap) : ''}
							<Text bold>{binding.keys}</Text> <Text dimColor>{label(binding)}</Text>
						</Text>
					))}
				</Text>
			))}
		</Box>
	);
}
