import type {Key} from 'ink';
import {describe, expect, it} from 'vitest';
import {bindings, commandDescriptions, footerItems, keysOf, type Command, type Screen} from '../../screens/bindings.js';
import {noKey} from '../helpers/keys.js';

/** Every key press worth trying: printable characters, ^letters, ^/, and the named keys. */
function probes(): Array<{name: string; input: string; key: Key}> {
	const all: Array<{name: string; input: string; key: Key}> = [];
	for (let code = 32; code < 127; code++) {
		const input = String.fromCodePoint(code);
		all.push({name: JSON.stringify(input), input, key: {...noKey, shift: /[A-Z]/.test(input)}});
	}
	for (const letter of 'abcdefghijklmnopqrstuvwxyz') all.push({name: `^${letter}`, input: letter, key: {...noKey, ctrl: true}});
	all.push({name: '^/', input: '\u001F', key: noKey});
	const named = ['upArrow', 'downArrow', 'leftArrow', 'rightArrow', 'pageUp', 'pageDown', 'home', 'end', 'return', 'escape', 'tab', 'backspace', 'delete'] as const;
	for (const name of named) all.push({name, input: '', key: {...noKey, [name]: true}});
	all.push({name: 'shift+tab', input: '', key: {...noKey, tab: true, shift: true}});
	return all;
}

const screens: Screen[] = ['init', 'dashboard'];

function modesOf(screen: Screen): string[] {
	return [...new Set(bindings.filter(binding => binding.screens.includes(screen)).flatMap(binding => binding.modes ?? []))];
}

describe('the bindings table', () => {
	it('describes every command, and binds each to a key', () => {
		for (const [command, description] of Object.entries(commandDescriptions)) {
			expect(description.trim(), command).not.toBe('');
			expect(bindings.some(binding => binding.command === command), `${command} has a key`).toBe(true);
		}
	});

	it('never gives one key two bindings in the same mode of a screen', () => {
		const clashes: string[] = [];
		for (const screen of screens) {
			for (const mode of modesOf(screen)) {
				const live = bindings.filter(binding => binding.screens.includes(screen) && (binding.modes === undefined || binding.modes.includes(mode)));
				for (const probe of probes()) {
					const matching = live.filter(binding => binding.match(probe.input, probe.key));
					if (matching.length > 1) clashes.push(`${screen}/${mode}: ${probe.name} → ${matching.map(binding => binding.command).join(', ')}`);
				}
			}
		}
		expect(clashes).toEqual([]);
	});

	it('keeps the help key out of a focused text field: ^/ there, ? elsewhere', () => {
		expect(keysOf('help', 'init', 'form-text')).toBe('^/');
		expect(keysOf('help', 'dashboard', 'list')).toBe('?');
		const textModes = bindings.filter(binding => binding.command === 'help' && binding.keys === '?').flatMap(binding => binding.modes ?? []);
		expect(textModes).not.toContain('form-text');
		expect(textModes).not.toContain('search');
	});

	it('gives the footer one entry for a pair of directions', () => {
		const select = footerItems('dashboard', 'list').find(item => item.label === 'select');
		expect(select).toEqual({keys: '↑/k ↓/j', label: 'select', command: 'select-previous' satisfies Command});
	});
});
