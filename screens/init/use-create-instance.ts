import {useEffect, useRef} from 'react';
import {errorMessage} from '../../services/errors.js';
import type {CreateInstanceOptions, InitAnswers, InitEvent, InstanceSummary} from '../../services/instance/types.js';
import type {InitProgressAction} from './init-progress.js';

export type CreateFunction = (directory: string, answers: InitAnswers, options: CreateInstanceOptions) => AsyncGenerator<InitEvent, InstanceSummary>;

/**
 * Runs createInstance once and hands each of its events over as a progress action; `abort()`
 * stops it (the service removes what it made).
 */
export function useCreateInstance(directory: string, answers: InitAnswers, clobber: boolean, create: CreateFunction, onProgress: (action: InitProgressAction) => void): {abort(): void} {
	const controller = useRef(new AbortController());
	const report = useRef(onProgress);
	report.current = onProgress;
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
						report.current({type: 'finished', summary: next.value});
						return;
					}
					report.current({type: 'event', event: next.value});
				}
			} catch (error) {
				if (live) report.current({type: 'error', message: errorMessage(error), aborted: signal.aborted});
			}
		};
		void run();
		return () => {
			live = false;
		};
	}, [directory, answers, clobber, create]);
	return {abort: () => controller.current.abort()};
}
