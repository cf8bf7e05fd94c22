import {Text, useApp} from 'ink';
import {useCallback, useEffect, useMemo, useReducer, useRef, useState} from 'react';
import {checkAmprunRoot} from '../../services/instance/amprun-root.js';
import type {AmprunRootProblem, InitAnswers} from '../../services/instance/types.js';
import {matchCommand} from '../bindings.js';
import {bodyRows, ScreenFrame} from '../components/ScreenFrame.js';
import {Spinner} from '../components/Spinner.js';
import {useKeys} from '../hooks/use-keys.js';
import {useTerminalSize} from '../hooks/use-terminal-size.js';
import {focusedField, formAnswers, initFormReducer, initialFormState, type InitFormState} from './init-form-reducer.js';
import type {FieldEvents} from './FieldRow.js';
import {InitForm} from './InitForm.js';
import {RootProblem} from './RootProblem.js';

/** How the form ended. The sudo commands run outside the app: sudo needs the plain terminal. */
export type FormResult =
	| {type: 'cancelled'}
	| {type: 'submitted'; answers: InitAnswers}
	| {type: 'run-sudo'; answers: InitAnswers; problem: AmprunRootProblem}
	| {type: 'declined-sudo'; problem: AmprunRootProblem};

type Phase = {name: 'form'} | {name: 'checking'} | {name: 'root-problem'; problem: AmprunRootProblem};

export interface InitAppProps {
	directory: string;
	initial: InitAnswers;
	clobber: boolean;
	onResult(result: FormResult): void;
	checkRoot?: (path: string) => Promise<AmprunRootProblem | null>;
}

export function InitTitle({directory, clobber}: {directory: string; clobber: boolean}) {
	return (
		<Text>
			<Text bold color="cyan">
				ampzero init
			</Text>{' '}
			{directory}
			{clobber ? <Text dimColor> (--clobber: regenerate files, keep keys)</Text> : null}
		</Text>
	);
}

/** The init form, then (after Enter) the amprun root check and, if needed, the sudo question. */
export function InitApp({directory, initial, clobber, onResult, checkRoot = checkAmprunRoot}: InitAppProps) {
	const {exit} = useApp();
	const {columns, rows} = useTerminalSize();
	const [state, dispatch] = useReducer(initFormReducer, initial, initialFormState);
	const [phase, setPhase] = useState<Phase>({name: 'form'});
	const [help, setHelp] = useState(false);

	const finish = useCallback(
		(result: FormResult): void => {
			onResult(result);
			exit();
		},
		[onResult, exit],
	);

	const mounted = useRef(true);
	useEffect(
		() => () => {
			mounted.current = false;
		},
		[],
	);

	// Once the form is submitted (it is not shown again): check the amprun root, then leave or ask.
	const checking = useRef(false);
	useEffect(() => {
		if (!state.submitted || checking.current) return;
		checking.current = true;
		const answers = formAnswers(state);
		setPhase({name: 'checking'});
		void checkRoot(answers.amprunRoot).then(
			problem => {
				if (!mounted.current) return;
				if (problem) setPhase({name: 'root-problem', problem});
				else finish({type: 'submitted', answers});
			},
			(error: unknown) => {
				if (mounted.current) setPhase({name: 'root-problem', problem: {path: answers.amprunRoot, why: String(error), sudoCommands: []}});
			},
		);
	}, [state, checkRoot, finish]);

	const mode = phase.name === 'form' ? formMode(state) : phase.name;
	useKeys((input, key, read) => {
		if (help) {
			if (matchCommand('init', input, key, 'help') !== undefined) setHelp(false);
			return;
		}
		const command = matchCommand('init', input, key, mode);
		if (command === 'help') return setHelp(true);
		if (phase.name === 'root-problem') {
			if (command === 'sudo-yes' && phase.problem.sudoCommands.length > 0) finish({type: 'run-sudo', answers: formAnswers(state), problem: phase.problem});
			else if (command === 'sudo-no' || command === 'sudo-yes') finish({type: 'declined-sudo', problem: phase.problem});
			else if (command === 'abort') finish({type: 'cancelled'});
			return;
		}
		if (phase.name !== 'form') {
			if (command === 'abort') finish({type: 'cancelled'});
			return;
		}
		switch (command) {
			case 'next-field':
			case 'previous-field':
			case 'clear-field':
			case 'submit':
				return dispatch({type: command});
			case 'cancel':
			case 'abort':
				return finish({type: 'cancelled'});
		}
		// Everything else (typing, editing, choosing) the focused field's input takes (see fieldEvents),
		// unless the key came in one read with others: then the input's edit is dropped, and it is done here.
		if (!read.split) return;
		if (key.backspace || key.delete) return dispatch({type: 'erase-last'});
		if (input !== '' && !key.ctrl && !key.meta) dispatch({type: 'type-text', text: input});
	});

	const fieldEvents = useMemo<FieldEvents>(
		() => ({
			onEdit: (from, value) => dispatch({type: 'edit', from, value}),
			onChoose: value => dispatch({type: 'choose', value}),
		}),
		[],
	);

	return (
		<ScreenFrame screen="init" mode={mode} title={<InitTitle directory={directory} clobber={clobber} />} help={help}>
			{phase.name === 'root-problem' ? (
				<RootProblem problem={phase.problem} />
			) : phase.name === 'checking' ? (
				<Text>
					<Spinner /> Checking the amprun root…
				</Text>
			) : (
				<InitForm state={state} height={bodyRows(rows)} columns={columns} events={fieldEvents} />
			)}
		</ScreenFrame>
	);
}

/** The bindings-table mode of the form: a choice field's list takes ↑/↓; a text field takes printable keys as text. */
export function formMode(state: InitFormState): 'form-choice' | 'form-text' {
	return focusedField(state).kind === 'choice' ? 'form-choice' : 'form-text';
}
