import {Box, Text} from 'ink';
import {bindingsFor, commandDescriptions, type Screen} from '../bindings.js';

/** Every key of the screen with what it does, from the bindings table. */
export function HelpOverlay({screen}: {screen: Screen}) {
	const all = bindingsFor(screen).filter(binding => binding.help !== false);
	const width = Math.max(...all.map(binding => binding.keys.length));
	return (
		<Box flexDirection="column" borderStyle="round" paddingX={1}>
			<Text bold>Keys</Text>
			{all.map(binding => (
				<Text key={`${binding.command} ${binding.keys}`}>
					<Text bold>{binding.keys.padEnd(width)}</Text>  {commandDescriptions[binding.command]}
				</Text>
			))}
		</Box>
	);
}
