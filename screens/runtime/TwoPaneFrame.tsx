import type React from 'react';
import {HelpOverlay} from './HelpOverlay.js';
import type {Keymap} from './keymap.js';
import {ScreenFrame} from './ScreenFrame.js';
import type {TwoPaneLayout} from './two-pane-layout.js';

export interface TwoPaneFrameProps<C extends string, M extends string> {
	keymap: Keymap<C, M>;
	mode: M;
	layout: TwoPaneLayout;
	/** The two header lines. */
	title: React.ReactNode;
	/** The help lists the keys of this mode (the list's), under `helpTitle`. */
	helpMode: M;
	helpTitle: string;
	status: React.ReactNode;
	/** The panes. */
	children: React.ReactNode;
}

/** The frame of a two-pane screen (the dashboard, the fleet view), laid out by twoPaneLayout: its help fills the panes' place. */
export function TwoPaneFrame<C extends string, M extends string>({keymap, mode, layout, title, helpMode, helpTitle, status, children}: TwoPaneFrameProps<C, M>) {
	return (
		<ScreenFrame
			keymap={keymap}
			mode={mode}
			size={layout}
			footerRows={layout.footerRows}
			title={title}
			help={<HelpOverlay keymap={keymap} mode={helpMode} title={helpTitle} fit={{height: layout.paneHeight, width: layout.columns}} />}
			status={status}
		>
			{children}
		</ScreenFrame>
	);
}
