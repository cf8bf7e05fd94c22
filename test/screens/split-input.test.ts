import type {Key} from 'ink';
import {describe, expect, it} from 'vitest';
import {splitInput} from '../../screens/hooks/split-input.js';

const plain = {tab: false, return: false, ctrl: false, delete: false} as Key;
const summary = (presses: Array<[string, Key]>) =>
	presses.map(([input, key]) => (key.tab ? 'Tab' : key.return ? 'Enter' : key.delete ? 'Backspace' : key.ctrl ? `^${input}` : input));

describe('splitInput', () => {
	it('passes a single key or plain text through untouched', () => {
		expect(splitInput('a', plain)).toEqual([['a', plain]]);
		expect(splitInput('hello', plain)).toEqual([['hello', plain]]);
	});

	it('splits keys typed faster than Ink reads them into one press each', () => {
		expect(summary(splitInput('\t\t\u001541050\r', plain))).toEqual(['Tab', 'Tab', '^u', '41050', 'Enter']);
		expect(summary(splitInput('ab\u007Fc', plain))).toEqual(['ab', 'Backspace', 'c']);
	});
});
