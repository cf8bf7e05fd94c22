import {StringDecoder} from 'node:string_decoder';

/**
 * Splits a stream of JSON lines; a line that does not parse is skipped, never fatal. Bytes are
 * decoded as a stream, so a character split between two chunks arrives whole.
 */
export function jsonLineReader<T>(
	onValue: (value: T) => void,
	/** A line longer than `maxLineLength` characters is not waited for: `onOverflow` is called and the reader stops. */
	bound?: {maxLineLength: number; onOverflow: () => void},
): (chunk: Buffer | string) => void {
	const decoder = new StringDecoder('utf8');
	let pending = '';
	let overflowed = false;
	return chunk => {
		if (overflowed) return;
		pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
		let newline = pending.indexOf('\n');
		while (newline !== -1) {
			const line = pending.slice(0, newline);
			pending = pending.slice(newline + 1);
			if (line.trim() !== '') {
				try {
					onValue(JSON.parse(line) as T);
				} catch {
					// Not JSON: ignore it rather than drop the connection.
				}
			}
			newline = pending.indexOf('\n');
		}
		if (bound && pending.length > bound.maxLineLength) {
			overflowed = true;
			pending = '';
			bound.onOverflow();
		}
	};
}
