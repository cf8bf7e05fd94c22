import {useInput, type Key} from 'ink';
import {useCallback, useRef} from 'react';
import {splitInput} from './split-input.js';

/**
 * useInput with a handler that always sees the latest render. Ink re-subscribes a changed handler
 * only after React's passive effects run, so a key typed right after a render would otherwise
 * reach the previous render's handler and act on stale state. Several keys that arrive in one
 * read are handed over one at a time (`split` says so: an input component saw them as one string).
 */
export function useKeys(handler: (input: string, key: Key, read: {split: boolean}) => void, options: {isActive?: boolean} = {}): void {
	const latest = useRef(handler);
	latest.current = handler;
	const stable = useCallback((input: string, key: Key) => {
		const presses = splitInput(input, key);
		for (const [text, pressed] of presses) latest.current(text, pressed, {split: presses.length > 1});
	}, []);
	useInput(stable, options);
}
