import type {InitEvent, InstanceSummary} from '../../services/instance/types.js';

export interface StepProgress {
	step: string;
	label: string;
	status: 'running' | 'done' | 'failed';
	detail?: string;
	error?: string;
}

export interface InitProgress {
	phase: 'creating' | 'done' | 'failed' | 'aborted';
	steps: StepProgress[];
	summary?: InstanceSummary;
	error?: string;
}

export type InitProgressAction =
	| {type: 'event'; event: InitEvent}
	| {type: 'finished'; summary: InstanceSummary}
	| {type: 'error'; message: string; aborted: boolean};

export const initialProgress: InitProgress = {phase: 'creating', steps: []};

function updateStep(steps: StepProgress[], step: string, change: Partial<StepProgress>): StepProgress[] {
	const found = steps.some(entry => entry.step === step);
	if (!found) return [...steps, {step, label: step, status: 'running', ...change}];
	return steps.map(entry => (entry.step === step ? {...entry, ...change} : entry));
}

/** Folds the creation events into what the progress view draws. */
export function initProgressReducer(state: InitProgress, action: InitProgressAction): InitProgress {
	switch (action.type) {
		case 'event': {
			const {event} = action;
			switch (event.type) {
				case 'step-start':
					return {...state, steps: updateStep(state.steps, event.step, {label: event.label, status: 'running'})};
				case 'step-done':
					return {...state, steps: updateStep(state.steps, event.step, {status: 'done', ...(event.detail === undefined ? {} : {detail: event.detail})})};
				case 'step-failed':
					return {...state, steps: updateStep(state.steps, event.step, {status: 'failed', error: event.error})};
				case 'done':
					return {...state, phase: 'done', summary: event.summary};
			}
			return state;
		}
		case 'finished':
			return {...state, phase: 'done', summary: action.summary};
		case 'error': {
			// A step still running when creation stopped did not finish.
			const steps = state.steps.map(entry => (entry.status === 'running' ? {...entry, status: 'failed' as const, error: action.aborted ? 'aborted' : action.message} : entry));
			return {...state, steps, phase: action.aborted ? 'aborted' : 'failed', error: action.message};
		}
	}
}
