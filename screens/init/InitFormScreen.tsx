import {Text, useApp} from 'ink';
import {useEffect, useMemo, useRef} from 'react';
import {checkAmprunRoot} from '../../services/instance/amprun-root.js';
import type {AmprunRootProblem, InitAnswers} from '../../services/instance/types.js';
import {bodyRows, ScreenFrame} from '../runtime/ScreenFrame.js';
import {Spinner} from '../runtime/Spinner.js';
import {act, useScreen} from '../runtime/use-screen.js';
import {useTerminalSize} from '../runtime/use-terminal-size.js';
import type {FieldEvents} from './FieldRow.js';
import {initFormScreenMode, initFormScreenReducer, initFormText, initialFormScreen, interpretInitForm, type FormResult, type InitFormEffect} from './init-form-screen.js';
import {initKeymap} from './init-keys.js';
import {InitForm} from './InitForm.js';
import {InitTitle} from './InitTitle.js';
import {RootProblem} from './RootProblem.js';

export type {FormResult} from './init-form-screen.js';

export interface InitFormScreenProps {
	directory: string;
	initial: InitAnswers;
	clobber: boolean;
	onResult(result: FormResult): void;
	checkRoot?: (path: string) => Promise<AmprunRootProblem | null>;
}

/** The init form, then (after Enter) the amprun root check and, if needed, the sudo question. */
export function InitFormScreen({directory, initial, clobber, onResult, checkRoot = checkAmprunRoot}: InitFormScreenProps) {
	const {exit} = useApp();
	const {columns, rows} = useTerminalSize();
	const mounted = useRef(true);
	useEffect(
		() => () => {
			mounted.current = false;
		},
		[],
	);

	const finish = (result: FormResult): void => {
		onResult(result);
		exit();
	};
	const screen = useScreen(() => initialFormScreen(initial), {
		keymap: initKeymap,
		reducer: initFormScreenReducer,
		mode: initFormScreenMode,
		interpret: interpretInitForm,
		unbound: initFormText,
		run: (effect: InitFormEffect) => {
			if (effect.type === 'finish') return finish(effect.result);
			const {answers} = effect;
			void checkRoot(answers.amprunRoot).then(
				problem => {
					if (!mounted.current) return;
					if (problem) screen.apply(act({type: 'phase', phase: {name: 'root-problem', problem}}));
					else finish({type: 'submitted', answers});
				},
				(error: unknown) => {
					if (mounted.current) screen.apply(act({type: 'phase', phase: {name: 'root-problem', problem: {path: answers.amprunRoot, why: String(error), sudoCommands: []}}}));
				},
			);
		},
	});
	const {state, mode, apply} = screen;

	const fieldEvents = useMemo<FieldEvents>(
		() => ({
			onEdit: (from, value) => apply(act({type: 'edit', from, value})),
			onChoose: value => apply(act({type: 'choose', value})),
		}),
		[apply],
	);

	const {phase} = state;
	return (
		<ScreenFrame keymap={initKeymap} mode={mode} title={<InitTitle directory={directory} clobber={clobber} />}>
			{phase.name === 'root-problem' ? (
				<RootProblem problem={phase.problem} />
			) : phase.name === 'checking' ? (
				<Text>
					<Spinner /> Checking the amprun root…
				</Text>
			) : (
				<InitForm state={state.form} height={bodyRows(rows)} columns={columns} events={fieldEvents} />
			)}
		</ScreenFrame>
	);
}
