import {Text} from 'ink';

/** The title line of init's screens: the directory, and whether --clobber regenerates it. */
export function InitTitle({directory, clobber}: {directory: string; clobber: boolean}) {
	return (
		<Text>
			<Text bold color="cyan">
				ampzero init
			</Text>{' '}
			{directory}
			{clobber ? <Text dimColor> (--clobber: regenerate files, keep keys)</Text> : null}
		</Text>
	);
}
