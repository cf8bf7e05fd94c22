import {useInput, type Key} from 'ink';
import {useCallback, useRef} from 'react';
import {splitInput} from './split-input.js';

/**
 * useInput with a handler that always sees the latest render. Ink re-subscribes a changed handler
 * only after React's passive effects run, so a key typed right after a render would otherwise
 * reach the previous render's handler and act on stale state. Several keys that arrive in one
 * read are handed over one at a time.
 */
export function useKeys(handler: (input: string, key: Key) => void, options: {isActive?: boolean} = {}): void {
	const latest = useRef(handler);
	latest.current = handler;
	const stable = useCallback((input: string, key: Key) => {
		for (const [text, pressed] of splitInput(input, key)) latest.current(text, pressed);
	}, []);
	useInput(stable, options);
}
