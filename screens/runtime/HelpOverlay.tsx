import {Box, Text} from 'ink';
import {bindingLabel, bindingsFor, type Keymap} from './keymap.js';

/** Every key of the screen with what it does, from the bindings table. */
export function HelpOverlay<C extends string, M extends string>({keymap}: {keymap: Keymap<C, M>}) {
	const all = bindingsFor(keymap).filter(binding => binding.help !== false);
	const width = Math.max(...all.map(binding => bindingLabel(binding).length));
	return (
		<Box flexDirection="column" borderStyle="round" paddingX={1}>
			<Text bold>Keys</Text>
			{all.map(binding => (
				<Text key={`${binding.command} ${bindingLabel(binding)}`}>
					<Text bold>{bindingLabel(binding).padEnd(width)}</Text>  {keymap.descriptions[binding.command]}
				</Text>
			))}
		</Box>
	);
}
