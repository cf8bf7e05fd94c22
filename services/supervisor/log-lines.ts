import {TextLines} from './text-lines.js';

export const defaultMaxLineLength = 2000;

/** Cuts a line to `max` characters, ending with … when it was longer. */
export function capLine(line: string, max = defaultMaxLineLength): string {
	return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * What a terminal would show for one line: a carriage return moves back to the start, so the
 * text after the last `\r` is what remains (a progress line replaces itself, it does not append).
 * A trailing `\r` (CRLF) ends the line and is dropped.
 */
export function collapseCarriageReturns(line: string): string {
	let end = line.length;
	while (end > 0 && line.charCodeAt(end - 1) === 13) end--;
	const trimmed = end === line.length ? line : line.slice(0, end);
	const last = trimmed.lastIndexOf('\r');
	return last === -1 ? trimmed : trimmed.slice(last + 1);
}

/**
 * Turns a daemon's output chunks into complete lines. A partial line waits for its newline; a
 * partial line that never ends is cut at a bound so memory stays bounded.
 */
export class LineSplitter {
	private readonly lines = new TextLines();

	constructor(private readonly maxLineLength = defaultMaxLineLength) {}

	push(chunk: Buffer | string): string[] {
		const lines = this.lines.push(chunk).map(part => capLine(collapseCarriageReturns(part), this.maxLineLength));
		const pending = this.lines.pending;
		const lastReturn = pending.lastIndexOf('\r');
		if (lastReturn !== -1 && lastReturn < pending.length - 1) this.lines.pending = pending.slice(lastReturn + 1);
		if (this.lines.pending.length > this.maxLineLength * 4) {
			lines.push(capLine(this.lines.pending, this.maxLineLength));
			this.lines.pending = '';
		}
		return lines;
	}

	/** The unfinished last line, when the stream ends. */
	flush(): string[] {
		const rest = this.lines.end();
		return rest === '' ? [] : [capLine(collapseCarriageReturns(rest), this.maxLineLength)];
	}
}
