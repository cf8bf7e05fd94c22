/** Splits a stream of JSON lines; a line that does not parse is skipped, never fatal. */
export function jsonLineReader<T>(onValue: (value: T) => void): (chunk: Buffer | string) => void {
	let pending = '';
	return chunk => {
		pending += chunk.toString();
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
	};
}
