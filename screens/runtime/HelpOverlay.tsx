import {Box, Text} from 'ink';
import stringWidth from 'string-width';
import {bindingLabel, bindingsFor, type Binding, type Keymap} from './keymap.js';

export interface HelpOverlayProps<C extends string, M extends string> {
	keymap: Keymap<C, M>;
	/** Only the keys of this mode; every key of the screen when absent. */
	mode?: M;
	title?: string;
	/**
	 * The box to fill: the keys go in two columns when one does not fit its height (the dashboard at
	 * 80×24); a description too long for its column wraps under itself while the column's rows allow,
	 * and is cut only when they do not. Absent: one column, as tall as it needs.
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
				{keyLines(keymap, all)}
			</Box>
		);
	}
	// Inside the border and padding: the title takes a row, the columns the rest.
	const rows = Math.max(1, fit.height - 3);
	const inner = Math.max(10, fit.width - 4);
	const gap = 3;
	// One column when every description fits it wrapped; else two, which cut fewer of them.
	const twoColumns = columnHeight(keymap, all, inner) > rows;
	const columnWidth = twoColumns ? Math.floor((inner - gap) / 2) : inner;
	const columns = twoColumns ? splitByHeight(keymap, all, columnWidth) : [all];
	return (
		<Box flexDirection="column" borderStyle="round" paddingX={1} height={fit.height} width={fit.width} overflow="hidden">
			<Text bold>{title}</Text>
			<Box columnGap={gap}>
				{columns.map((column, index) => (
					<Box key={index} flexDirection="column" width={columnWidth} flexShrink={0}>
						{fittedKeyLines(keymap, column, columnWidth, rows)}
					</Box>
				))}
			</Box>
		</Box>
	);
}

/** One line a binding: its keys, padded to the widest, then what it does, wrapped. */
function keyLines<C extends string, M extends string>(keymap: Keymap<C, M>, entries: readonly Binding<C, M>[]) {
	const keyWidth = Math.max(...entries.map(binding => bindingLabel(binding).length));
	return entries.map(binding => (
		<Text key={`${binding.command} ${bindingLabel(binding)}`} wrap="wrap">
			<Text bold>{bindingLabel(binding).padEnd(keyWidth)}</Text>
			{'  '}
			{keymap.descriptions[binding.command]}
		</Text>
	));
}

/**
 * A column of `width` and at most `rows` rows: a description wraps under itself (not under the keys)
 * while the column's spare rows last, taken in order; one that would need more than are left is cut
 * at the width instead.
 */
function fittedKeyLines<C extends string, M extends string>(keymap: Keymap<C, M>, entries: readonly Binding<C, M>[], width: number, rows: number) {
	const keyWidth = keyColumnWidth(entries);
	const textWidth = Math.max(1, width - keyWidth);
	const heights = entryHeights(keymap, entries, width);
	let spare = rows - entries.length;
	return entries.map((binding, index) => {
		const description = keymap.descriptions[binding.command];
		const extra = heights[index]! - 1;
		const wraps = extra <= spare;
		if (wraps) spare -= extra;
		return (
			<Box key={`${binding.command} ${bindingLabel(binding)}`}>
				<Box width={keyWidth} flexShrink={0}>
					<Text bold>{bindingLabel(binding)}</Text>
				</Box>
				<Box width={textWidth}>
					<Text wrap={wraps ? 'wrap' : 'truncate-end'}>{description}</Text>
				</Box>
			</Box>
		);
	});
}

/** Two columns in order, cut where the taller of them, every description wrapped, is shortest. */
function splitByHeight<C extends string, M extends string>(keymap: Keymap<C, M>, entries: Binding<C, M>[], width: number): [Binding<C, M>[], Binding<C, M>[]] {
	const heights = entryHeights(keymap, entries, width);
	const total = heights.reduce((sum, height) => sum + height, 0);
	let best = Math.ceil(entries.length / 2);
	let bestTaller = Number.POSITIVE_INFINITY;
	let left = 0;
	for (let cut = 1; cut < entries.length; cut++) {
		left += heights[cut - 1]!;
		const taller = Math.max(left, total - left);
		if (taller < bestTaller) {
			best = cut;
			bestTaller = taller;
		}
	}
	return [entries.slice(0, best), entries.slice(best)];
}

/** The keys' column: the widest keys and a space. */
function keyColumnWidth(entries: readonly Binding<string, string>[]): number {
	return Math.max(...entries.map(binding => bindingLabel(binding).length)) + 1;
}

/** The rows each binding takes in a column of `width`, its description wrapped beside the keys' column. */
function entryHeights<C extends string, M extends string>(keymap: Keymap<C, M>, entries: readonly Binding<C, M>[], width: number): number[] {
	const textWidth = Math.max(1, width - keyColumnWidth(entries));
	return entries.map(binding => wrappedLineCount(keymap.descriptions[binding.command], textWidth));
}

function columnHeight<C extends string, M extends string>(keymap: Keymap<C, M>, entries: readonly Binding<C, M>[], width: number): number {
	return entryHeights(keymap, entries, width).reduce((sum, height) => sum + height, 0);
}

/** How many lines `text` takes wrapped at word boundaries to `width` columns (a word wider than that is broken, as Ink does). */
function wrappedLineCount(text: string, width: number): number {
	let lines = 1;
	let used = 0;
	for (const word of text.split(' ')) {
		const wide = stringWidth(word);
		if (used === 0) {
			used = wide;
		} else if (used + 1 + wide <= width) {
			used += 1 + wide;
		} else {
			lines += 1;
			used = wide;
		}
		while (used > width) {
			lines += 1;
			used -= width;
		}
	}
	return lines;
}
