import {ansiCodesToString, diffAnsiCodes, styledCharsFromTokens, tokenize, type AnsiCode, type StyledChar} from '@alcalzone/ansi-tokenize';
import sliceAnsi from 'slice-ansi';
import stringWidth from 'string-width';
import {GenerationCache} from './generation-cache.js';

/**
 * A drop-in for Ink's `Output` (ink/build/output.js), the stage that turns a frame's text writes
 * into the screen's lines; the dashboard's bundle uses it in place of Ink's (bin/bundle.mjs).
 * Same input, same output, byte for byte (test/unit/frame-output.test.ts compares the two), but
 * it remembers across frames, where Ink starts from nothing each frame:
 * - a written line's styled characters (Ink tokenises every line of every frame again);
 * - each row's text: a row whose writes are the same as in the previous frame is not rebuilt.
 * A key press changes a few rows of a 200×50 screen: the rest now costs a comparison.
 */

type Transformer = (line: string, index: number) => string;

interface Clip {
	x1?: number;
	x2?: number;
	y1?: number;
	y2?: number;
}

type Operation = {type: 'write'; x: number; y: number; text: string; transformers: Transformer[]} | {type: 'clip'; clip: Clip} | {type: 'unclip'};

/** One write's characters on one row, from column `x`. */
interface Placement {
	x: number;
	characters: StyledChar[];
}

interface RowMemory {
	placements: Placement[];
	text: string;
}

const blank: StyledChar = {type: 'char', value: ' ', fullWidth: false, styles: []};

// Lines come and go with the log (a flood writes millions): these keep what the last frames used.
// A frame writes at most a few hundred lines (50 rows of a list, a pane and borders), and a line's
// styled characters take some 50 bytes each: enough for two frames, and no more.
const styledLines = new GenerationCache<string, StyledChar[]>(400);
const widths = new GenerationCache<string, number>(2000);
/** Equal style lists share one array, so that comparing two characters' styles is mostly `===`. */
const styleLists = new GenerationCache<string, AnsiCode[]>(500);
let previousFrame: {width: number; rows: RowMemory[]} | undefined;

/**
 * A frame this stage made: the text Ink is handed, its rows, and which rows differ from the frame
 * made before it. The app's terminal (source/app/changed-rows-stdout.ts) sends those rows as they
 * are, so that a frame is compared with the one before once, here, not again on its way out.
 */
export interface MadeFrame {
	output: string;
	rows: readonly string[];
	/** Rows whose text differs from the frame made before; undefined when that frame had another size (or there was none). */
	changed: readonly number[] | undefined;
	/** Counts the frames made: a frame's changes are relative to the one numbered one less. */
	sequence: number;
}

let lastMade: MadeFrame | undefined;

/** The last frame made (undefined until this stage makes one: where Ink's own output stage runs, never). */
export function lastFrameMade(): MadeFrame | undefined {
	return lastMade;
}

function widthOf(text: string): number {
	let width = widths.get(text);
	if (width === undefined) {
		width = stringWidth(text);
		widths.set(text, width);
	}
	return width;
}

function widestLine(text: string): number {
	let widest = 0;
	for (const line of text.split('\n')) widest = Math.max(widest, widthOf(line));
	return widest;
}

/** The shared list of these styles: escape codes end where they end, so their text names the list (and each code's end code follows from it). */
function sharedStyles(styles: AnsiCode[]): AnsiCode[] {
	if (styles.length === 0) return blank.styles;
	const key = styles.map(code => code.code).join('');
	const known = styleLists.get(key);
	if (known) return known;
	styleLists.set(key, styles);
	return styles;
}

function styledCharacters(line: string): StyledChar[] {
	let characters = styledLines.get(line);
	if (characters === undefined) {
		characters = styledCharsFromTokens(tokenize(line)).map(character => ({...character, styles: sharedStyles(character.styles)}));
		styledLines.set(line, characters);
	}
	return characters;
}

/** Ink's styledCharsToString, skipping the style difference where two characters share their styles. */
function rowToString(characters: StyledChar[]): string {
	let text = '';
	for (let index = 0; index < characters.length; index++) {
		const character = characters[index]!;
		if (index === 0) text += ansiCodesToString(character.styles);
		else {
			const before = characters[index - 1]!.styles;
			if (before !== character.styles) text += ansiCodesToString(diffAnsiCodes(before, character.styles));
		}
		text += character.value;
		if (index === characters.length - 1 && character.styles.length > 0) text += ansiCodesToString(diffAnsiCodes(character.styles, []));
	}
	return text;
}

function samePlacements(a: Placement[], b: Placement[]): boolean {
	if (a.length !== b.length) return false;
	for (let index = 0; index < a.length; index++) {
		if (a[index]!.x !== b[index]!.x || a[index]!.characters !== b[index]!.characters) return false;
	}
	return true;
}

/** A row's characters as Ink lays them out: later writes over earlier ones, wide characters over two cells. */
function buildRow(width: number, placements: Placement[]): string {
	const row: Array<StyledChar | undefined> = new Array<StyledChar>(width).fill(blank);
	for (const {x, characters} of placements) {
		let offsetX = x;
		for (const character of characters) {
			row[offsetX] = character;
			const characterWidth = Math.max(1, widthOf(character.value));
			for (let index = 1; index < characterWidth; index++) row[offsetX + index] = {type: 'char', value: '', fullWidth: false, styles: character.styles};
			offsetX += characterWidth;
		}
	}
	// A write left of column 0 or past the end leaves holes, which Ink drops.
	return rowToString(row.filter((item): item is StyledChar => item !== undefined)).trimEnd();
}

export default class Output {
	readonly width: number;
	readonly height: number;
	private readonly operations: Operation[] = [];

	constructor({width, height}: {width: number; height: number}) {
		this.width = width;
		this.height = height;
	}

	write(x: number, y: number, text: string, {transformers}: {transformers: Transformer[]}): void {
		if (!text) return;
		this.operations.push({type: 'write', x, y, text, transformers});
	}

	clip(clip: Clip): void {
		this.operations.push({type: 'clip', clip});
	}

	unclip(): void {
		this.operations.push({type: 'unclip'});
	}

	get(): {output: string; height: number} {
		const placements: Placement[][] = Array.from({length: this.height}, () => []);
		const clips: Clip[] = [];
		for (const operation of this.operations) {
			if (operation.type === 'clip') clips.push(operation.clip);
			else if (operation.type === 'unclip') clips.pop();
			else this.place(operation, clips.at(-1), placements);
		}
		const previous = previousFrame?.width === this.width ? previousFrame.rows : [];
		const changed: number[] = [];
		const rows = placements.map((row, y): RowMemory => {
			const before = previous[y];
			if (before && samePlacements(before.placements, row)) return before;
			const text = buildRow(this.width, row);
			if (text !== before?.text) changed.push(y);
			return {placements: row, text};
		});
		previousFrame = {width: this.width, rows};
		const texts = rows.map(row => row.text);
		const output = texts.join('\n');
		lastMade = {output, rows: texts, changed: previous.length === rows.length ? changed : undefined, sequence: (lastMade?.sequence ?? 0) + 1};
		return {output, height: rows.length};
	}

	// Ink's clipping, step for step.
	private place({text, transformers, x, y}: Extract<Operation, {type: 'write'}>, clip: Clip | undefined, placements: Placement[][]): void {
		let lines = text.split('\n');
		if (clip) {
			const clipHorizontally = typeof clip.x1 === 'number' && typeof clip.x2 === 'number';
			const clipVertically = typeof clip.y1 === 'number' && typeof clip.y2 === 'number';
			if (clipHorizontally && (x + widestLine(text) < clip.x1! || x > clip.x2!)) return;
			if (clipVertically && (y + lines.length < clip.y1! || y > clip.y2!)) return;
			if (clipHorizontally) {
				const startX = x;
				lines = lines.map(line => {
					const from = startX < clip.x1! ? clip.x1! - startX : 0;
					const width = widthOf(line);
					const to = startX + width > clip.x2! ? clip.x2! - startX : width;
					return sliceAnsi(line, from, to);
				});
				if (x < clip.x1!) x = clip.x1!;
			}
			if (clipVertically) {
				const from = y < clip.y1! ? clip.y1! - y : 0;
				const height = lines.length;
				const to = y + height > clip.y2! ? clip.y2! - y : height;
				lines = lines.slice(from, to);
				if (y < clip.y1!) y = clip.y1!;
			}
		}
		let offsetY = 0;
		for (const [index, written] of lines.entries()) {
			const row = placements[y + offsetY];
			// Taller than the output: Ink skips the line without counting it.
			if (!row) continue;
			let line = written;
			for (const transformer of transformers) line = transformer(line, index);
			row.push({x, characters: styledCharacters(line)});
			offsetY++;
		}
	}
}
