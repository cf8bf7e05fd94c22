import stringWidth from 'string-width';
import {GenerationCache} from './generation-cache.js';

/**
 * A drop-in for the `widest-line` package that Ink's renderer calls on every text node of every
 * frame (ink/build/render-node-to-output.js); the dashboard's bundle uses it in place of the
 * package (bin/bundle.mjs). Same answers: printable ASCII is as wide as it is long, and any other
 * line is measured by string-width once and remembered (a frame repeats most of the last one's lines).
 */
const widths = new GenerationCache<string, number>(2000);

/** Printable ASCII only (no escape codes, no tabs, nothing wide): one column per character. */
function plainAscii(line: string): boolean {
	for (let index = 0; index < line.length; index++) {
		const code = line.charCodeAt(index);
		if (code < 0x20 || code > 0x7e) return false;
	}
	return true;
}

function lineWidth(line: string): number {
	if (plainAscii(line)) return line.length;
	let width = widths.get(line);
	if (width === undefined) {
		width = stringWidth(line);
		widths.set(line, width);
	}
	return width;
}

export default function widestLine(text: string): number {
	if (!text.includes('\n')) return lineWidth(text);
	let widest = 0;
	for (const line of text.split('\n')) widest = Math.max(widest, lineWidth(line));
	return widest;
}
