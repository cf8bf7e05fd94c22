import {useEffect, useReducer, useRef} from 'react';
import {errorMessage} from '../../services/errors.js';
import {createInstance} from '../../services/instance/create.js';
import type {CreateInstanceOptions, InitAnswers, InitEvent, InstanceSummary} from '../../services/instance/types.js';
import {initialProgress, initProgressReducer, type InitProgress} from './init-progress.js';

export type CreateFunction = (directory: string, answers: InitAnswers, options: CreateInstanceOptions) => AsyncGenerator<InitEvent, InstanceSummary>;

/** Runs createInstance once and folds its events; `abort()` stops it (the service removes what it made). */
export function useCreateInstance(directory: string, answers: InitAnswers, clobber: boolean, create: CreateFunction = createInstance): {progress: InitProgress; abort(): void} {
	const [progress, dispatch] = useReducer(initProgressReducer, initialProgress);
	const controller = useRef(new AbortController());
	useEffect(() => {
		const {signal} = controller.current;
		let live = true;
		const run = async (): Promise<void> => {
			try {
				const events = create(directory, answers, {clobber, signal});
				for (;;) {
					const next = await events.next();
					if (!live) return;
					if (next.done) {
						dispatch({type: 'finished', summary: next.value});
						return;
					}
					dispatch({type: 'event', event: next.value});
				}
			} catch (error) {
				if (live) dispatch({type: 'error', message: errorMessage(error), aborted: signal.aborted});
			}
		};
		void run();
		return () => {
			live = false;
		};
	}, [directory, answers, clobber, create]);
	return {progress, abort: () => controller.current.abort()};
}
