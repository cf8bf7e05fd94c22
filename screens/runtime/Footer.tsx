import {Box, Text} from 'ink';
import {footerGap, footerItems, packFooter, type Keymap} from './keymap.js';

/** The keys that apply now, drawn from the bindings table, in up to `maxLines` lines of `columns`. */
export function Footer<C extends string, M extends string>({keymap, mode, columns, maxLines = 2}: {keymap: Keymap<C, M>; mode: M; columns: number; maxLines?: number}) {
	const lines = packFooter(footerItems(keymap, mode), columns, maxLines);
	return (
		<Box flexDirection="column">
			{lines.map(line => (
				<Text key={line.map(item => item.command).join()}>
					{line.map((item, index) => (
						<Text key={item.command}>
							{index > 0 ? ' '.repeat(footerGap) : ''}
							<Text bold>{item.keys}</Text> <Text dimColor>{item.label}</Text>
						</Text>
					))}
				</Text>
			))}
		</Box>
	);
}
