/** What Ink writes before each full-screen frame: erase the screen and the scrollback, cursor home. */
const clearTerminal = '\u001B[2J\u001B[3J\u001B[H';
const beginSynchronized = '\u001B[?2026h';
const endSynchronized = '\u001B[?2026l';

/**
 * The terminal Ink is given: a full-screen frame (Ink writes each as "clear the screen, then every
 * row") goes out as only the rows that differ from the previous frame, each put in place with a
 * cursor move. A key press that changes three rows of a 200×50 screen then sends a few hundred
 * bytes, not 10 kB and a clear: less for the terminal to parse, and less to cross an SSH link.
 * Anything else written (Ink's first frame, console output it replays) goes out as it is and
 * makes the next frame a whole one, as does a resize.
 */
export function changedRowsStdout(stdout: NodeJS.WriteStream): NodeJS.WriteStream {
	let shown: string[] | undefined;
	const forget = (): void => {
		shown = undefined;
	};
	stdout.on('resize', forget);

	const toTerminal = (data: string): string => {
		if (data === beginSynchronized || data === endSynchronized) return data;
		if (!data.startsWith(clearTerminal)) {
			forget();
			return data;
		}
		const rows = data.slice(clearTerminal.length).split('\n');
		const before = shown;
		shown = rows;
		if (before?.length !== rows.length) return data;
		let update = '';
		for (let row = 0; row < rows.length; row++) {
			// The row is erased before it is written, not after: after a row as wide as the screen an
			// erase would take its last character with it (xterm). Ink's rows end with their styles
			// reset, so the erase leaves no colour behind.
			if (rows[row] !== before[row]) update += `\u001B[${row + 1};1H\u001B[2K${rows[row]}`;
		}
		return update;
	};

	const write = (chunk: unknown, ...rest: unknown[]): boolean => {
		const data = typeof chunk === 'string' ? toTerminal(chunk) : chunk;
		// An unchanged frame writes nothing, but a caller waiting for the write's callback still gets it.
		if (data === '') {
			const callback = rest.find(argument => typeof argument === 'function') as (() => void) | undefined;
			if (callback) process.nextTick(callback);
			return true;
		}
		return (stdout.write as (...parts: unknown[]) => boolean)(data, ...rest);
	};

	return new Proxy(stdout, {
		get(target, property) {
			if (property === 'write') return write;
			const value: unknown = Reflect.get(target, property, target);
			return typeof value === 'function' ? (value as (...parts: unknown[]) => unknown).bind(target) : value;
		},
	});
}
