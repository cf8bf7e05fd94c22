import {Box, Text} from 'ink';
import type React from 'react';
import {keysOf, shortLabel, type Keymap} from './keymap.js';
import {useTerminalSize} from './use-terminal-size.js';
import {Footer} from './Footer.js';
import {HelpOverlay} from './HelpOverlay.js';

/** Rows the frame itself takes: the title line and a footer of up to two lines. */
export const frameRows = 3;

/**
 * Title on top, keys at the bottom, the body in between, sized to the terminal. One row is left
 * free at the bottom: a frame as tall as the terminal makes Ink clear the screen on every update.
 */
export function ScreenFrame<C extends string, M extends string>({keymap, mode, title, children}: {keymap: Keymap<C, M>; mode: M; title: React.ReactNode; children: React.ReactNode}) {
	// Every screen's keymap has the help mode and its close-help command.
	const help = mode === 'help';
	const shared = keymap as Keymap<string, string>;
	const {columns, rows} = useTerminalSize();
	return (
		<Box flexDirection="column" width={columns} height={Math.max(frameRows + 1, rows - 1)}>
			<Box flexShrink={0}>{title}</Box>
			<Box flexDirection="column" flexGrow={1} overflow="hidden">
				{help ? <HelpOverlay keymap={keymap} /> : children}
			</Box>
			<Box flexShrink={0} height={2} alignItems="flex-end">
				{help ? <Text dimColor>{`${keysOf(shared, 'close-help', 'help')} ${shortLabel(shared, 'close-help')}`}</Text> : <Footer keymap={keymap} mode={mode} columns={columns} />}
			</Box>
		</Box>
	);
}

/** Rows left for a screen's body inside the frame. */
export function bodyRows(rows: number): number {
	return Math.max(1, rows - 1 - frameRows);
}
