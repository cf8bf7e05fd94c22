import {Box, Text} from 'ink';
import type React from 'react';
import {useTerminalSize} from '../hooks/use-terminal-size.js';
import {keysOf, shortLabel, type Screen} from '../bindings.js';
import {Footer} from './Footer.js';
import {HelpOverlay} from './HelpOverlay.js';

/** Rows the frame itself takes: the title line and a footer of up to two lines. */
export const frameRows = 3;

/**
 * Title on top, keys at the bottom, the body in between, sized to the terminal. One row is left
 * free at the bottom: a frame as tall as the terminal makes Ink clear the screen on every update.
 */
export function ScreenFrame({screen, mode, title, help, children}: {screen: Screen; mode: string; title: React.ReactNode; help: boolean; children: React.ReactNode}) {
	const {columns, rows} = useTerminalSize();
	return (
		<Box flexDirection="column" width={columns} height={Math.max(frameRows + 1, rows - 1)}>
			<Box flexShrink={0}>{title}</Box>
			<Box flexDirection="column" flexGrow={1} overflow="hidden">
				{help ? <HelpOverlay screen={screen} /> : children}
			</Box>
			<Box flexShrink={0} height={2} alignItems="flex-end">
				{help ? <Text dimColor>{`${keysOf('close-help', screen, 'help')} ${shortLabel('close-help')}`}</Text> : <Footer screen={screen} mode={mode} columns={columns} />}
			</Box>
		</Box>
	);
}

/** Rows left for a screen's body inside the frame. */
export function bodyRows(rows: number): number {
	return Math.max(1, rows - 1 - frameRows);
}
