import type {Key} from 'ink';
import {useCallback, useRef, useState} from 'react';
import {matchCommand, type Keymap} from './keymap.js';
import {useKeys, type KeyRead} from './use-keys.js';

/**
 * What a command (or an event, or a key no binding takes) comes to: what happened, for the
 * screen's reducer, and what to do outside it (send a command, call an abort, leave), which the
 * screen's one effect runner does.
 */
export interface Outcome<A, E> {
	actions: readonly A[];
	effects: readonly E[];
}

export const nothing: Outcome<never, never> = {actions: [], effects: []};

export function act<A>(...actions: A[]): Outcome<A, never> {
	return {actions, effects: []};
}

export function effect<E>(...effects: E[]): Outcome<never, E> {
	return {actions: [], effects};
}

/** How a screen takes keys and commands: pure, so tests press keys without rendering. */
export interface ScreenRules<S, A, E, C extends string, M extends string> {
	keymap: Keymap<C, M>;
	reducer(state: S, action: A): S;
	/** The keymap's mode a state is in: it picks the footer and which keys apply. */
	mode(state: S): M;
	/** What a command means in this state. Pure. */
	interpret(state: S, command: C): Outcome<A, E>;
	/** A press no binding of the mode takes (text typed into a search or a field). Pure. */
	unbound?(state: S, input: string, key: Key, read: KeyRead): Outcome<A, E>;
}

export interface ScreenSpec<S, A, E, C extends string, M extends string> extends ScreenRules<S, A, E, C, M> {
	/** Runs one effect: the one place a screen acts outside itself. */
	run(effect: E): void;
	/** Whether keys are read (false where another component reads them alone). */
	keysActive?: boolean;
}

export interface Screen<S, A, E, C extends string, M extends string> {
	state: S;
	mode: M;
	/**
	 * Reduces the actions once each, then runs the effects. `draw: false`: the change shows
	 * nothing on screen (log lines of a daemon not shown), so no frame is drawn for it; the next
	 * one drawn holds it.
	 */
	apply(outcome: Outcome<A, E>, options?: {draw?: boolean}): void;
	/** Gives a command as if its key was pressed (an answer picked from a question's list). */
	command(command: C): void;
}

/** What one key press comes to in this state: its command in the state's mode, interpreted (or the unbound press). */
export function keyOutcome<S, A, E, C extends string, M extends string>(rules: ScreenRules<S, A, E, C, M>, state: S, input: string, key: Key, read: KeyRead): Outcome<A, E> {
	const matched = matchCommand(rules.keymap, input, key, rules.mode(state));
	if (matched !== undefined) return rules.interpret(state, matched);
	return rules.unbound ? rules.unbound(state, input, key, read) : nothing;
}

/** Reduces an outcome's actions into the state. */
export function reduceAll<S, A>(reducer: (state: S, action: A) => S, state: S, actions: readonly A[]): S {
	let next = state;
	for (const action of actions) next = reducer(next, action);
	return next;
}

/**
 * A screen's state and keys. Every action is reduced once, into the state the next key acts on
 * (several keys can arrive before React renders again), and that state is what React renders.
 * Each key press is matched against the keymap in the mode of that state and interpreted.
 */
export function useScreen<S, A, E, C extends string, M extends string>(initial: () => S, spec: ScreenSpec<S, A, E, C, M>): Screen<S, A, E, C, M> {
	const [state, setState] = useState(initial);
	const current = useRef(state);
	const latest = useRef(spec);
	// eslint-disable-next-line react-hooks/refs -- a key must reach this render's rules before React runs the passive effects
	latest.current = spec;

	const apply = useCallback((outcome: Outcome<A, E>, options: {draw?: boolean} = {}): void => {
		const {reducer, run} = latest.current;
		const next = reduceAll(reducer, current.current, outcome.actions);
		if (next !== current.current) {
			current.current = next;
			if (options.draw !== false) setState(next);
		}
		for (const each of outcome.effects) run(each);
	}, []);

	const command = useCallback((given: C): void => apply(latest.current.interpret(current.current, given)), [apply]);

	useKeys((input, key, read) => apply(keyOutcome(latest.current, current.current, input, key, read)), spec.keysActive === undefined ? {} : {isActive: spec.keysActive});

	return {state, mode: spec.mode(state), apply, command};
}
