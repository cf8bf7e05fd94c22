import {Text, useApp} from 'ink';
import {useEffect, useRef, useState} from 'react';
import type {InitAnswers, InstanceSummary} from '../../services/instance/types.js';
import {matchCommand} from '../bindings.js';
import {bodyRows, ScreenFrame} from '../components/ScreenFrame.js';
import {useKeys} from '../hooks/use-keys.js';
import {useTerminalSize} from '../hooks/use-terminal-size.js';
import {DoneView} from './DoneView.js';
import {InitTitle} from './InitApp.js';
import type {InitProgress} from './init-progress.js';
import {ProgressView} from './ProgressView.js';
import {useCreateInstance, type CreateFunction} from './use-create-instance.js';

export type CreateResult = {type: 'done'; summary: InstanceSummary} | {type: 'failed'; error: string} | {type: 'aborted'};

export interface CreateAppProps {
	directory: string;
	answers: InitAnswers;
	clobber: boolean;
	onResult(result: CreateResult): void;
	create?: CreateFunction;
}

function modeOf(progress: InitProgress): string {
	return progress.phase === 'aborted' ? 'failed' : progress.phase;
}

/** What the creation screen shows for a given progress: the steps, or the summary once done. */
export function CreateView({progress, answers, height}: {progress: InitProgress; answers: InitAnswers; height: number}) {
	if (progress.phase === 'done' && progress.summary) return <DoneView summary={progress.summary} hostName={answers.hostName} />;
	return <ProgressView progress={progress} height={height} />;
}

/** Creates the instance, listing each step, then shows the summary until Enter or q. */
export function CreateApp({directory, answers, clobber, onResult, create}: CreateAppProps) {
	const {exit} = useApp();
	const {rows} = useTerminalSize();
	const {progress, abort} = useCreateInstance(directory, answers, clobber, create);
	const [help, setHelp] = useState(false);

	const resultOf = (): CreateResult =>
		progress.phase === 'done' && progress.summary
			? {type: 'done', summary: progress.summary}
			: progress.phase === 'aborted'
				? {type: 'aborted'}
				: {type: 'failed', error: progress.error ?? 'unknown error'};

	// ^C already said "leave": once the service has cleaned up, go (once).
	const left = useRef(false);
	useEffect(() => {
		if (progress.phase !== 'aborted' || left.current) return;
		left.current = true;
		onResult({type: 'aborted'});
		exit();
	}, [progress.phase, onResult, exit]);

	useKeys((input, key) => {
		if (help) {
			if (matchCommand('init', input, key, 'help') !== undefined) setHelp(false);
			return;
		}
		const command = matchCommand('init', input, key, modeOf(progress));
		if (command === 'help') setHelp(true);
		else if (command === 'abort') abort();
		else if (command === 'finish') {
			onResult(resultOf());
			exit();
		}
	});

	return (
		<ScreenFrame screen="init" mode={modeOf(progress)} title={<InitTitle directory={directory} clobber={clobber} />} help={help}>
			<CreateView progress={progress} answers={answers} height={bodyRows(rows)} />
			{progress.phase === 'creating' && progress.steps.length === 0 ? <Text dimColor>Starting…</Text> : null}
		</ScreenFrame>
	);
}
