import type {Key} from 'ink';
import {describe, expect, it} from 'vitest';
import {inputTookRead, keyPresses} from '../../screens/runtime/key-presses.js';

const plain = {tab: false, return: false, ctrl: false, delete: false} as Key;
const summary = (presses: Array<[string, Key]>) =>
	presses.map(([input, key]) => (key.tab ? 'Tab' : key.return ? 'Enter' : key.delete ? 'Backspace' : key.ctrl ? `^${input}` : input));

describe('keyPresses', () => {
	it('passes a single key through untouched', () => {
		expect(keyPresses('a', plain)).toEqual([['a', plain]]);
	});

	it('splits keys typed faster than Ink reads them into one press each', () => {
		expect(summary(keyPresses('jjk', plain))).toEqual(['j', 'j', 'k']);
		expect(summary(keyPresses('\t\t\u001541\r', plain))).toEqual(['Tab', 'Tab', '^u', '4', '1', 'Enter']);
		expect(summary(keyPresses('ab\u007Fc', plain))).toEqual(['a', 'b', 'Backspace', 'c']);
	});

	it('gives a capital its shift, and ^/ as itself', () => {
		expect(keyPresses('Sq', plain).map(([input, key]) => [input, key.shift])).toEqual([
			['S', true],
			['q', false],
		]);
		expect(keyPresses('a\u001F', plain)[1]?.[0]).toBe('\u001F');
	});

	it('says when a text field took the read: text alone, no control keys', () => {
		expect(inputTookRead('8080')).toBe(true);
		expect(inputTookRead('80\t')).toBe(false);
	});
});
