import {TextLines} from './text-lines.js';

/**
 * Splits a stream of JSON lines; a line that does not parse is skipped, never fatal. Bytes are
 * decoded as a stream, so a character split between two chunks arrives whole.
 */
export function jsonLineReader<T>(
	onValue: (value: T) => void,
	/** A line longer than `maxLineLength` characters is not waited for: `onOverflow` is called and the reader stops. */
	bound?: {maxLineLength: number; onOverflow: () => void},
): (chunk: Buffer | string) => void {
	const lines = new TextLines();
	let overflowed = false;
	return chunk => {
		if (overflowed) return;
		for (const line of lines.push(chunk)) {
			if (overflowed) return;
			if (line.trim() === '') continue;
			try {
				onValue(JSON.parse(line) as T);
			} catch {
				// Not JSON: ignore it rather than drop the connection.
			}
		}
		if (bound && lines.pending.length > bound.maxLineLength) {
			overflowed = true;
			lines.reset();
			bound.onOverflow();
		}
	};
}
