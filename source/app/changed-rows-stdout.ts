import {lastFrameMade, type MadeFrame} from '../../screens/ink-output/frame-output.js';

/** What Ink writes before each full-screen frame: erase the screen and the scrollback, cursor home. */
const clearTerminal = '\u001B[2J\u001B[3J\u001B[H';
const beginSynchronized = '\u001B[?2026h';
const endSynchronized = '\u001B[?2026l';

/**
 * The terminal Ink is given: a full-screen frame (Ink writes each as "clear the screen, then every
 * row"; every screen fills the terminal, see screens/runtime/ScreenFrame.tsx) goes out as only the
 * rows that differ from the previous frame, each put in place with a cursor move. A key press that
 * changes three rows of a 200×50 screen then sends a few hundred bytes, not 10 kB and a clear: less
 * for the terminal to parse, and less to cross an SSH link.
 *
 * Which rows differ is known once: where the app's own output stage made the frame
 * (screens/ink-output/frame-output.ts, in the screens' bundles) it says which rows it changed, and
 * those are sent as they are when the terminal shows the frame made just before. Otherwise (Ink's
 * own output stage, as in tests and unbundled runs) the rows are compared here.
 *
 * Anything else written (Ink's first frame, console output it replays) goes out as it is and
 * makes the next frame a whole one, as does a resize.
 */
export function changedRowsStdout(stdout: NodeJS.WriteStream, frames: () => MadeFrame | undefined = lastFrameMade): NodeJS.WriteStream {
	let shown: readonly string[] | undefined;
	/** The output stage's number of the frame shown; 0 when the stage did not make it. */
	let shownFrame = 0;
	const forget = (): void => {
		shown = undefined;
		shownFrame = 0;
	};
	stdout.on('resize', forget);

	const toTerminal = (data: string): string => {
		if (data === beginSynchronized || data === endSynchronized) return data;
		if (!data.startsWith(clearTerminal)) {
			forget();
			return data;
		}
		const text = data.slice(clearTerminal.length);
		const made = frames();
		const fromStage = made !== undefined && text === made.output ? made : undefined;
		const rows = fromStage ? fromStage.rows : text.split('\n');
		const before = shown;
		const beforeFrame = shownFrame;
		shown = rows;
		shownFrame = fromStage?.sequence ?? 0;
		if (before?.length !== rows.length) return data;
		const changed = fromStage?.changed !== undefined && beforeFrame !== 0 && beforeFrame === fromStage.sequence - 1 ? fromStage.changed : undefined;
		let update = '';
		// The row is erased before it is written, not after: after a row as wide as the screen an
		// erase would take its last character with it (xterm). Ink's rows end with their styles
		// reset, so the erase leaves no colour behind.
		if (changed) for (const row of changed) update += `\u001B[${row + 1};1H\u001B[2K${rows[row]}`;
		else for (let row = 0; row < rows.length; row++) if (rows[row] !== before[row]) update += `\u001B[${row + 1};1H\u001B[2K${rows[row]}`;
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
