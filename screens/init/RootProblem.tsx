import {Box, Text} from 'ink';
import type {AmprunRootProblem} from '../../services/instance/types.js';

/** The amprun root cannot be used: why, and the commands that would fix it. */
export function RootProblem({problem, running}: {problem: AmprunRootProblem; running?: boolean}) {
	return (
		<Box flexDirection="column" gap={1}>
			<Text color="yellow">⚠ The amprun root cannot be used: {problem.why}.</Text>
			<Box flexDirection="column">
				<Text>These commands would fix it:</Text>
				{problem.sudoCommands.map(command => (
					<Text key={command} bold>
						{'  '}
						{command}
					</Text>
				))}
			</Box>
			<Text>{running ? 'Running them…' : 'Run them now? (y/n)  sudo may ask for your password.'}</Text>
		</Box>
	);
}
