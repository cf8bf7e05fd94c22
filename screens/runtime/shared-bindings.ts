import {k, type Binding} from './keymap.js';

/** The commands every screen with a help overlay has. */
export const helpDescriptions = {
	help: 'show or hide this help',
	'close-help': 'close the help',
} as const;

/** Esc, q or ? close the help; so does ^/, which opens it where `?` is text. */
export const closeHelpBinding: Binding<'close-help', 'help'> = {command: 'close-help', keys: [k.esc, k.char('q'), k.char('?')], aliases: [k.ctrlSlash], modes: ['help'], footer: true};

/** The commands of a question asked as a list of answers (the dashboard's leave and force-quit questions, the deploy screen's abort question). */
export const answerDescriptions = {
	'answer-next': 'choose: the next answer',
	'answer-previous': 'choose: the previous answer',
	'answer-given': 'answer: the chosen one (or its number)',
} as const;

export type AnswerCommand = keyof typeof answerDescriptions;

/** A question's list (ChoiceDialog) acts on these keys itself; the bindings say what they do and keep them from other bindings. */
export function answerBindings<M extends string>(questions: readonly M[]): Binding<AnswerCommand, M>[] {
	return [
		{command: 'answer-next', keys: [k.down, k.char('j')], modes: questions},
		{command: 'answer-previous', keys: [k.up, k.char('k')], modes: questions},
		{command: 'answer-given', keys: [k.enter], aliases: [k.digit], modes: questions},
	];
}

/** Whether a command is one the question's list takes itself (a screen's interpret does nothing with it). */
export function isAnswerCommand(command: string): command is AnswerCommand {
	return Object.hasOwn(answerDescriptions, command);
}
