import {Text, useApp} from 'ink';
import {useEffect, useRef} from 'react';
import {createInstance} from '../../services/instance/create.js';
import type {InitAnswers} from '../../services/instance/types.js';
import {bodyRows, ScreenFrame} from '../runtime/ScreenFrame.js';
import {act, useScreen} from '../runtime/use-screen.js';
import {useTerminalSize} from '../runtime/use-terminal-size.js';
import {createScreenMode, createScreenReducer, initialCreateScreen, interpretCreate, type CreateEffect, type CreateResult} from './create-screen.js';
import {DoneView} from './DoneView.js';
import {initKeymap} from './init-keys.js';
import type {InitProgress} from './init-progress.js';
import {InitTitle} from './InitTitle.js';
import {ProgressView} from './ProgressView.js';
import {useCreateInstance, type CreateFunction} from './use-create-instance.js';

export type {CreateResult} from './create-screen.js';

export interface CreateScreenProps {
	directory: string;
	answers: InitAnswers;
	clobber: boolean;
	onResult(result: CreateResult): void;
	create?: CreateFunction;
}

/** What the creation screen shows for a given progress: the steps, or the summary once done. */
export function CreateView({progress, answers, height}: {progress: InitProgress; answers: InitAnswers; height: number}) {
	if (progress.phase === 'done' && progress.summary) return <DoneView summary={progress.summary} hostName={answers.hostName} />;
	return <ProgressView progress={progress} height={height} />;
}

/** Creates the instance, listing each step, then shows the summary until Enter or q. */
export function CreateScreen({directory, answers, clobber, onResult, create = createInstance}: CreateScreenProps) {
	const {exit} = useApp();
	const {rows} = useTerminalSize();
	const screen = useScreen(() => initialCreateScreen, {
		keymap: initKeymap,
		reducer: createScreenReducer,
		mode: createScreenMode,
		interpret: interpretCreate,
		run: (effect: CreateEffect) => {
			if (effect.type === 'abort') return abort();
			onResult(effect.result);
			exit();
		},
	});
	const {abort} = useCreateInstance(directory, answers, clobber, create, action => screen.apply(act(action)));
	const {progress} = screen.state;

	// ^C already said "leave": once the service has cleaned up, go (once).
	const left = useRef(false);
	useEffect(() => {
		if (progress.phase !== 'aborted' || left.current) return;
		left.current = true;
		onResult({type: 'aborted'});
		exit();
	}, [progress.phase, onResult, exit]);

	return (
		<ScreenFrame keymap={initKeymap} mode={screen.mode} title={<InitTitle directory={directory} clobber={clobber} />}>
			<CreateView progress={progress} answers={answers} height={bodyRows(rows)} />
			{progress.phase === 'creating' && progress.steps.length === 0 ? <Text dimColor>Starting…</Text> : null}
		</ScreenFrame>
	);
}
