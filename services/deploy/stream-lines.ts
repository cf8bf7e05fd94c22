import {TextLines} from '../supervisor/text-lines.js';

/**
 * Calls `onLine` with each line of a byte stream (a child's stdout or stderr), framed by the one
 * framer: a UTF-8 character or a line split between two chunks arrives whole, and an unfinished last
 * line is given when the stream ends. A child's `close` comes after its streams' ends, so every line
 * has been given by then.
 */
export function eachLine(stream: NodeJS.ReadableStream | null | undefined, onLine: (line: string) => void): void {
	if (!stream) return;
	const lines = new TextLines();
	stream.on('data', (chunk: Buffer | string) => {
		for (const line of lines.push(chunk)) onLine(line);
	});
	stream.on('end', () => {
		const rest = lines.end();
		if (rest !== '') onLine(rest);
	});
}
