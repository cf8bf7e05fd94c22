import type {CreateInstanceOptions, InitAnswers, InitEvent, InstanceSummary} from './types.js';

/**
 * Creates the instance at `directory` (or, with `clobber`, regenerates an existing one), yielding
 * one event per step. The result is the complete instance or nothing: an error or an abort
 * removes whatever was made.
 */
export async function* createInstance(directory: string, answers: InitAnswers, options: CreateInstanceOptions): AsyncGenerator<InitEvent, InstanceSummary> {
	void directory;
	void answers;
	void options;
	throw new Error('createInstance: not written yet');
}
