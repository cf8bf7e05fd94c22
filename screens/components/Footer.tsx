import {Box, Text} from 'ink';
import {bindingsFor, type Screen} from '../bindings.js';

/** One line of the keys that apply now, drawn from the bindings table. */
export function Footer({screen, mode}: {screen: Screen; mode?: string}) {
	const shown = bindingsFor(screen, mode).filter(binding => binding.footer);
	return (
		<Box flexWrap="wrap" columnGap={2}>
			{shown.map(binding => (
				<Text key={binding.id}>
					<Text bold>{binding.keys}</Text> <Text dimColor>{binding.description.split(':')[0]}</Text>
				</Text>
			))}
		</Box>
	);
}
