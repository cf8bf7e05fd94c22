import {Box, Text} from 'ink';
import {footerGap, footerItems, packFooter, type Screen} from '../bindings.js';

/** The keys that apply now, drawn from the bindings table, in up to `maxLines` lines of `columns`. */
export function Footer({screen, mode, columns, maxLines = 2}: {screen: Screen; mode: string; columns: number; maxLines?: number}) {
	const lines = packFooter(footerItems(screen, mode), columns, maxLines);
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
