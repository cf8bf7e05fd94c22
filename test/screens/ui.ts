import {stripVTControlCharacters} from 'node:util';
import {render} from 'ink-testing-library';
import type {ReactElement} from 'react';

export type Rendered = ReturnType<typeof render>;

/**
 * Renders like ink-testing-library, then resizes the fake terminal to `columns`×`rows` (80×24 by
 * default) the way a real one announces it: new size, then a 'resize' event.
 */
export async function renderAt(element: ReactElement, {columns = 80, rows = 24} = {}): Promise<Rendered> {
	const rendered = render(element);
	await resize(rendered, columns, rows);
	return rendered;
}

/** Resizes the fake terminal and waits for the frame drawn at the new size. */
export async function resize(rendered: Rendered, columns: number, rows: number): Promise<void> {
	const framesBefore = rendered.frames.length;
	Object.defineProperty(rendered.stdout, 'columns', {value: columns, configurable: true});
	Object.defineProperty(rendered.stdout, 'rows', {value: rows, configurable: true});
	rendered.stdout.emit('resize');
	await waitFor(() => rendered.frames.length > framesBefore, () => 'a frame after the resize', 3000);
	// The size hook re-renders once more after Ink's own resize frame.
	await new Promise(resolve => setTimeout(resolve, 20));
}

/** The last frame as plain text, trailing spaces trimmed, so snapshots do not depend on colour. */
export function screenText(rendered: Rendered): string {
	return stripVTControlCharacters(rendered.lastFrame() ?? '')
		.split('\n')
		.map(line => line.trimEnd())
		.join('\n');
}

async function waitFor(condition: () => boolean, what: () => string, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
		await new Promise(resolve => setTimeout(resolve, 10));
	}
}

export async function waitForContent(rendered: Rendered, text: string, timeoutMs = 3000): Promise<void> {
	await waitFor(() => screenText(rendered).includes(text), () => `"${text}" in:\n${screenText(rendered)}`, timeoutMs);
}

/** Types `input` and waits until the screen shows something new. */
export async function sendInputAndWaitForChange(rendered: Rendered, input: string, timeoutMs = 3000): Promise<void> {
	const before = screenText(rendered);
	rendered.stdin.write(input);
	await waitFor(() => screenText(rendered) !== before, () => `a change after typing ${JSON.stringify(input)}`, timeoutMs);
}

/** Types `input` and gives Ink a moment to handle it, for keys that change nothing on screen. */
export async function sendInput(rendered: Rendered, input: string): Promise<void> {
	rendered.stdin.write(input);
	await new Promise(resolve => setTimeout(resolve, 50));
}
