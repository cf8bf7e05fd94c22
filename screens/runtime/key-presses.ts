import type {Key} from 'ink';

/** One key press as a screen handles it. */
export type KeyPress = [input: string, key: Key];

export const noKey: Key = {
	upArrow: false,
	downArrow: false,
	leftArrow: false,
	rightArrow: false,
	pageDown: false,
	pageUp: false,
	home: false,
	end: false,
	return: false,
	escape: false,
	ctrl: false,
	shift: false,
	tab: false,
	backspace: false,
	delete: false,
	meta: false,
	super: false,
	hyper: false,
	capsLock: false,
	numLock: false,
};

function controlKey(char: string): KeyPress {
	const code = char.codePointAt(0) ?? 0;
	if (char === '\r' || char === '\n') return ['', {...noKey, return: true}];
	if (char === '\t') return ['', {...noKey, tab: true}];
	if (char === '\u007F') return ['', {...noKey, delete: true}];
	if (char === '\b') return ['', {...noKey, backspace: true}];
	if (char === '\u001B') return ['', {...noKey, escape: true}];
	// ^/ (and ^_): Ink hands it over as the character itself when it comes alone.
	if (char === '\u001F') return [char, noKey];
	return [String.fromCodePoint(code + 96), {...noKey, ctrl: true}];
}

/**
 * Ink hands over keys typed faster than it reads them as one string ("jjj", "\t\t8080\r"): escape
 * sequences are split off, but letters, Tab, Enter, Backspace and ^letters are not. This splits
 * such a string into one press per character, so that each acts on the state the one before left.
 */
export function keyPresses(input: string, key: Key): KeyPress[] {
	if (input.length <= 1 || key.ctrl || key.meta) return [[input, key]];
	return [...input].map((char): KeyPress => {
		const code = char.codePointAt(0) ?? 0;
		if (code < 0x20 || code === 0x7f) return controlKey(char);
		return [char, {...noKey, shift: char !== char.toLowerCase()}];
	});
}

/**
 * Whether an input component (a text field) took the read as typed: it takes a read of text
 * alone, and drops one with control characters in it (the screen then types its text itself).
 */
export function inputTookRead(input: string): boolean {
	return !/[\u0000-\u001F\u007F]/.test(input);
}
