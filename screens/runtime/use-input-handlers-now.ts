import {useLayoutEffect, useReducer} from 'react';

/**
 * Ink's useInput swaps in a component's new key handler only when React runs the passive effects,
 * which can come ~100 ms after a slow render. ink-text-input and ink-select-input keep their text,
 * cursor and highlight in their handlers, so a key typed sooner would act on the previous state
 * (or, right after the input appears, reach no handler at all). A state change from a layout effect
 * makes React run the pending passive effects at once, before the next key can arrive.
 * Call it in the component that renders the input, with what changes when the input changes.
 */
export function useInputHandlersNow(deps: readonly unknown[]): void {
	const [, rerender] = useReducer((count: number) => count + 1, 0);
	// eslint-disable-next-line react-hooks/exhaustive-deps -- the caller says when the input changed
	useLayoutEffect(rerender, deps);
}
