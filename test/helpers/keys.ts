import type {Key} from 'ink';

/** What a terminal sends for each key, for typing into Ink apps and tmux panes alike. */
export const ARROW_DOWN = '\u001B[B';
export const TAB = '\t';
export const SHIFT_TAB = '\u001B[Z';
export const ENTER = '\r';
export const ESC = '\u001B';
export const BACKSPACE = '\u007F';
export const CTRL_C = '\u0003';
export const CTRL_U = '\u0015';
/** ^/ (also ^_): the help key where a text field takes `?`. */
export const CTRL_SLASH = '\u001F';

/** Ink's Key with nothing pressed, for calling key handlers directly. */
export const noKey: Key = {
	upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
	return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
	super: false, hyper: false, capsLock: false, numLock: false,
};
