import {k, type Keymap} from '../runtime/keymap.js';
import {closeHelpBinding, helpDescriptions} from '../runtime/shared-bindings.js';

/**
 * The modes of init's two screens: the form (a text field is focused: its input takes printable
 * keys, ←/→ and Backspace; or a choice field: its list takes ↑/↓), the amprun root check and the
 * sudo question, then the creation steps and how they ended.
 */
export type InitMode = 'form-text' | 'form-choice' | 'checking' | 'root-problem' | 'creating' | 'done' | 'failed' | 'help';

const initDescriptions = {
	'next-field': 'next field',
	'previous-field': 'previous field',
	'choice-next': 'choose: the next choice (there Tab moves on)',
	'choice-previous': 'choose: the previous choice',
	'choice-pick': 'choose: a choice by its number',
	'clear-field': 'clear the field',
	submit: 'create the instance',
	cancel: 'cancel: nothing is written',
	'sudo-yes': 'run the sudo commands shown',
	'sudo-no': 'do not run them: print them and stop',
	abort: 'stop: cancel the form, or abort creation (nothing is left on disk)',
	finish: 'leave',
	...helpDescriptions,
} as const;

export type InitCommand = keyof typeof initDescriptions;

const form: InitMode[] = ['form-text', 'form-choice'];

export const initKeymap: Keymap<InitCommand, InitMode> = {
	descriptions: initDescriptions,
	bindings: [
		{command: 'next-field', keys: [k.tab, k.down], modes: ['form-text'], footer: true},
		{command: 'previous-field', keys: [k.shiftTab, k.up], modes: ['form-text'], footer: true},
		// In a choice field the arrows choose, so only Tab moves between fields.
		{command: 'next-field', keys: [k.tab], modes: ['form-choice'], footer: true, help: false},
		{command: 'previous-field', keys: [k.shiftTab], modes: ['form-choice'], footer: true, help: false},
		// The choice field's select list acts on these keys itself; the entries say what they do and keep them from other bindings.
		{command: 'choice-next', keys: [k.down, k.char('j')], modes: ['form-choice'], footer: true},
		{command: 'choice-previous', keys: [k.up, k.char('k')], modes: ['form-choice'], footer: true},
		{command: 'choice-pick', keys: [k.digit], modes: ['form-choice']},
		{command: 'clear-field', keys: [{name: 'u', ctrl: true}], modes: form},
		{command: 'submit', keys: [k.enter], modes: form, footer: true},
		{command: 'cancel', keys: [k.esc], modes: form, footer: true},
		{command: 'sudo-yes', keys: [k.char('y')], aliases: [k.char('Y')], modes: ['root-problem'], footer: true},
		{command: 'sudo-no', keys: [k.char('n'), k.esc], aliases: [k.char('N')], modes: ['root-problem'], footer: true},
		{command: 'abort', keys: [k.ctrlC], modes: [...form, 'root-problem', 'creating'], footer: true},
		{command: 'finish', keys: [k.enter, k.char('q')], aliases: [k.esc, k.ctrlC], modes: ['done', 'failed'], footer: true},
		// `?` where no text is typed; in the form ^/, which a text field never takes.
		{command: 'help', keys: [k.char('?')], modes: ['root-problem', 'creating', 'done', 'failed'], footer: true},
		{command: 'help', keys: [k.ctrlSlash], modes: form, footer: true},
		closeHelpBinding,
	],
};
