import {useInput, type Key} from 'ink';
import {useCallback, useRef} from 'react';
import {inputTookRead, keyPresses} from './key-presses.js';

/** How a press arrived: `inputTook`, an input component (a focused text field) has taken the read it came in. */
export interface KeyRead {
	inputTook: boolean;
}

/**
 * useInput with a handler that always sees the latest render. Ink re-subscribes a changed handler
 * only after React's passive effects run, so a key typed right after a render would otherwise
 * reach the previous render's handler and act on stale state. Several keys that arrive in one
 * read are handed over one at a time.
 */
export function useKeys(handler: (input: string, key: Key, read: KeyRead) => void, options: {isActive?: boolean} = {}): void {
	const latest = useRef(handler);
	// eslint-disable-next-line react-hooks/refs -- a key must reach this render's handler before React runs the passive effects
	latest.current = handler;
	const stable = useCallback((input: string, key: Key) => {
		const read = {inputTook: inputTookRead(input)};
		for (const [text, pressed] of keyPresses(input, key)) latest.current(text, pressed, read);
	}, []);
	useInput(stable, options);
}
