import type {Key} from 'ink';

/**
 * One key as a binding names it: a named key (`up`, `tab`, `return`, `escape`, `pageUp`, …),
 * `digit` (1 to 9), or a character as typed (`j`, `S`, `?`); `ctrl` for ^letters and ^/; `shift`
 * where it tells two keys apart (Tab and S-Tab).
 */
export interface KeySpec {
	name: string;
	ctrl?: boolean;
	shift?: boolean;
}

/**
 * A screen's key for a command. The footer and the help overlay show `keys` (their label is
 * derived from them); `aliases` also give the command but are not shown (the other case of a
 * letter, a second way out of a finished screen).
 */
export interface Binding<C extends string, M extends string> {
	command: C;
	keys: readonly KeySpec[];
	aliases?: readonly KeySpec[];
	/** The screen's modes where the binding applies; absent: every mode. */
	modes?: readonly M[];
	/** Whether the footer shows it (the help overlay lists every binding). */
	footer?: boolean;
	/** false: the help overlay leaves it out, as another binding of the command already lists its keys. */
	help?: false;
}

/**
 * Every key of one screen: what each of its commands does (the help overlay shows this text; the
 * footer the part before the colon) and the bindings, in the order the footer shows them.
 */
export interface Keymap<C extends string, M extends string> {
	descriptions: Readonly<Record<C, string>>;
	bindings: readonly Binding<C, M>[];
}

const namedKeys: Record<string, {label: string; pressed(key: Key): boolean}> = {
	up: {label: '↑', pressed: key => key.upArrow},
	down: {label: '↓', pressed: key => key.downArrow},
	left: {label: '←', pressed: key => key.leftArrow},
	right: {label: '→', pressed: key => key.rightArrow},
	pageUp: {label: 'PgUp', pressed: key => key.pageUp},
	pageDown: {label: 'PgDn', pressed: key => key.pageDown},
	home: {label: 'Home', pressed: key => key.home},
	end: {label: 'End', pressed: key => key.end},
	tab: {label: 'Tab', pressed: key => key.tab},
	return: {label: 'Enter', pressed: key => key.return},
	escape: {label: 'Esc', pressed: key => key.escape},
	backspace: {label: 'Backspace', pressed: key => key.backspace},
	delete: {label: 'Del', pressed: key => key.delete},
};

/** ^/: terminals send it as ^_ (0x1F), which Ink hands over as the character itself. */
const controlSlash = '\u001F';

/** Whether a key press is this key. */
export function keyMatches(spec: KeySpec, input: string, key: Key): boolean {
	const named = namedKeys[spec.name];
	if (named) return named.pressed(key) && (spec.shift === undefined || key.shift === spec.shift);
	if (spec.name === 'digit') return /^[1-9]$/.test(input) && !key.ctrl && !key.meta;
	if (spec.ctrl) return spec.name === '/' ? input === controlSlash : key.ctrl && input === spec.name;
	return input === spec.name && !key.ctrl && !key.meta;
}

/** How a key is shown: `↑`, `S-Tab`, `^U`, `1-9`, `q`. */
export function keyLabel(spec: KeySpec): string {
	const named = namedKeys[spec.name];
	if (named) return `${spec.shift ? 'S-' : ''}${named.label}`;
	if (spec.name === 'digit') return '1-9';
	return spec.ctrl ? `^${spec.name.toUpperCase()}` : spec.name;
}

/** The keys of a binding as the footer, the help overlay and the status line show them: `↑/k`. */
export function bindingLabel(binding: Binding<string, string>): string {
	return binding.keys.map(keyLabel).join('/');
}

function applies<M extends string>(binding: Binding<string, M>, mode: M | undefined): boolean {
	return mode === undefined || binding.modes === undefined || binding.modes.includes(mode);
}

/** The bindings of a keymap, in table order; with `mode`, only those that apply in it. */
export function bindingsFor<C extends string, M extends string>(keymap: Keymap<C, M>, mode?: M): Binding<C, M>[] {
	return keymap.bindings.filter(binding => applies(binding, mode));
}

/** The command of the first binding (of the mode) that this key press matches. */
export function matchCommand<C extends string, M extends string>(keymap: Keymap<C, M>, input: string, key: Key, mode: M): C | undefined {
	return keymap.bindings.find(binding => applies(binding, mode) && [...binding.keys, ...(binding.aliases ?? [])].some(spec => keyMatches(spec, input, key)))?.command;
}

/** The keys of a command as the screen shows them (for hints in running text): `Enter`, `n/Esc`. */
export function keysOf<C extends string, M extends string>(keymap: Keymap<C, M>, command: C, mode?: M): string {
	const binding = keymap.bindings.find(candidate => candidate.command === command && applies(candidate, mode));
	return binding ? bindingLabel(binding) : '';
}

/** What the footer says for a command: its description up to the colon. */
function shortLabel<C extends string>(keymap: Keymap<C, string>, command: C): string {
	const description: string = keymap.descriptions[command];
	return description.split(':')[0] ?? description;
}

/** One footer entry: neighbouring bindings with the same label share it (`↑/k ↓/j select`). */
export interface FooterItem<C extends string = string> {
	keys: string;
	label: string;
	command: C;
}

/** The footer entries of a keymap in a mode, in table order. */
export function footerItems<C extends string, M extends string>(keymap: Keymap<C, M>, mode: M): FooterItem<C>[] {
	const items: FooterItem<C>[] = [];
	for (const binding of bindingsFor(keymap, mode)) {
		if (!binding.footer) continue;
		const label = shortLabel(keymap, binding.command);
		const keys = bindingLabel(binding);
		const last = items.at(-1);
		if (last && last.label === label) last.keys = `${last.keys} ${keys}`;
		else items.push({keys, label, command: binding.command});
	}
	return items;
}

export const footerGap = 2;
const widthOf = (item: FooterItem): number => item.keys.length + 1 + item.label.length;

/**
 * Packs the footer entries into at most `maxLines` lines of `columns`; the help entry is always
 * kept, the others are dropped from the end when they do not fit (the help overlay lists them all).
 */
export function packFooter<C extends string>(all: readonly FooterItem<C>[], columns: number, maxLines: number): FooterItem<C>[][] {
	const help = all.filter(item => item.command === 'help');
	let items = [...all.filter(item => item.command !== 'help'), ...help];
	for (;;) {
		const lines: FooterItem<C>[][] = [];
		let width = 0;
		for (const item of items) {
			const line = lines.at(-1);
			if (line && width + footerGap + widthOf(item) <= columns) {
				line.push(item);
				width += footerGap + widthOf(item);
			} else {
				lines.push([item]);
				width = widthOf(item);
			}
		}
		if (lines.length <= maxLines || items.length <= help.length + 1) return lines.slice(0, maxLines);
		items = [...items.slice(0, items.length - help.length - 1), ...help];
	}
}

/** Keys shared by the keymaps. */
export const k = {
	up: {name: 'up'},
	down: {name: 'down'},
	tab: {name: 'tab', shift: false},
	shiftTab: {name: 'tab', shift: true},
	enter: {name: 'return'},
	esc: {name: 'escape'},
	ctrlC: {name: 'c', ctrl: true},
	ctrlSlash: {name: '/', ctrl: true},
	digit: {name: 'digit'},
	char: (name: string): KeySpec => ({name}),
} as const satisfies Record<string, KeySpec | ((name: string) => KeySpec)>;
