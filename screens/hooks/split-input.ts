import type {Key} from 'ink';

const noKey: Key = {
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

function controlKey(char: string): [string, Key] {
	const code = char.codePointAt(0) ?? 0;
	if (char === '\r' || char === '\n') return ['', {...noKey, return: true}];
	if (char === '\t') return ['', {...noKey, tab: true}];
	if (char === '\u007F') return ['', {...noKey, delete: true}];
	if (char === '\b') return ['', {...noKey, backspace: true}];
	// ^/ (and ^_): Ink hands it over as the character itself when it comes alone.
	if (char === '\u001F') return [char, noKey];
	return [String.fromCodePoint(code + 96), {...noKey, ctrl: true}];
}

/**
 * Ink hands over keys typed faster than it reads them as one string ("\t\t8080\r"): escape
 * sequences are split off, but Tab, Enter, Backspace and ^letters are not. This splits such a
 * string into one key press per control character, keeping runs of text together.
 */
export function splitInput(input: string, key: Key): Array<[string, Key]> {
	if (input.length <= 1 || !/[\u0000-\u001F\u007F]/.test(input)) return [[input, key]];
	const presses: Array<[string, Key]> = [];
	let text = '';
	for (const char of input) {
		const code = char.codePointAt(0) ?? 0;
		if (code < 0x20 || code === 0x7f) {
			if (text !== '') presses.push([text, noKey]);
			text = '';
			presses.push(controlKey(char));
		} else {
			text += char;
		}
	}
	if (text !== '') presses.push([text, noKey]);
	return presses;
}
