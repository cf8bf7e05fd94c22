import {Box} from 'ink';
import type React from 'react';
import type {Keymap} from './keymap.js';
import {useTerminalSize} from './use-terminal-size.js';
import {Footer} from './Footer.js';
import {HelpOverlay} from './HelpOverlay.js';

/** Rows the frame itself takes by default: the title line and a footer of up to two lines. */
const frameRows = 3;

export interface ScreenFrameProps<C extends string, M extends string> {
	keymap: Keymap<C, M>;
	mode: M;
	/** The top rows: one line unless the title is taller. */
	title: React.ReactNode;
	/** The body, between the title and the status: it takes every row the rest leaves. */
	children: React.ReactNode;
	/** A line (or more) under the body, in every mode: what happened, what a key means now. */
	status?: React.ReactNode;
	/** The body while the help is open (mode `help`); the keymap's help overlay when absent. */
	help?: React.ReactNode;
	/** Rows the footer takes (its lines sit at the bottom); 2 when absent. */
	footerRows?: number;
	/** The size the screen laid itself out for; the terminal's when absent. */
	size?: {columns: number; rows: number};
}

/**
 * Every screen's frame: title on top, keys at the bottom, the body in between, as wide and as tall
 * as the terminal. Filling every row is the one full-screen policy: Ink then hands over each frame
 * whole, and the app's terminal (source/app/changed-rows-stdout.ts) sends only the rows that differ.
 */
export function ScreenFrame<C extends string, M extends string>({keymap, mode, title, children, status, help, footerRows = 2, size}: ScreenFrameProps<C, M>) {
	const terminal = useTerminalSize();
	const {columns, rows} = size ?? terminal;
	return (
		<Box flexDirection="column" width={columns} height={Math.max(frameRows + 1, rows)}>
			<Box flexShrink={0}>{title}</Box>
			<Box flexDirection="column" flexGrow={1} overflow="hidden">
				{mode === 'help' ? (help ?? <HelpOverlay keymap={keymap} />) : children}
			</Box>
			{status}
			<Box flexShrink={0} height={footerRows} alignItems="flex-end">
				<Footer keymap={keymap} mode={mode} columns={columns} maxLines={footerRows} />
			</Box>
		</Box>
	);
}

/** Rows left for a screen's body inside the frame (a one-line title, the default footer). */
export function bodyRows(rows: number): number {
	return Math.max(1, rows - frameRows);
}
