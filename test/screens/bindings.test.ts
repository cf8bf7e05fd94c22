import {readdirSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import type {Key} from 'ink';
import {describe, expect, it} from 'vitest';
import {dashboardKeymap} from '../../screens/dashboard/dashboard-keymap.js';
import {deployKeymap} from '../../screens/deploy/deploy-keymap.js';
import {fleetKeymap} from '../../screens/fleet/fleet-keymap.js';
import {initKeymap} from '../../screens/init/init-keys.js';
import {bindingLabel, footerItems, keyLabel, keyMatches, keysOf, matchCommand, type Keymap} from '../../screens/runtime/keymap.js';
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

/** Every screen's keymap: a new screen adds its line here (the last test fails until it does). */
const keymaps: Record<string, Keymap<string, string>> = {
	init: initKeymap,
	dashboard: dashboardKeymap,
	deploy: deployKeymap,
	fleet: fleetKeymap,
};
const screens = Object.entries(keymaps);

/** Whether a module's export is a keymap: descriptions and a list of bindings. */
function isKeymap(value: unknown): value is Keymap<string, string> {
	if (typeof value !== 'object' || value === null) return false;
	const candidate = value as Partial<Keymap<string, string>>;
	return typeof candidate.descriptions === 'object' && Array.isArray(candidate.bindings);
}

/** The .ts and .tsx files under screens/. */
function screenModules(directory = fileURLToPath(new URL('../../screens', import.meta.url))): string[] {
	return readdirSync(directory, {withFileTypes: true}).flatMap(entry => {
		const full = path.join(directory, entry.name);
		if (entry.isDirectory()) return screenModules(full);
		return /\.tsx?$/.test(entry.name) ? [full] : [];
	});
}

function modesOf(keymap: Keymap<string, string>): string[] {
	return [...new Set(keymap.bindings.flatMap(binding => binding.modes ?? []))];
}

describe.each(screens)('the %s keymap', (_screen, keymap) => {
	it('describes every command, and binds each to a key', () => {
		for (const [command, description] of Object.entries(keymap.descriptions)) {
			expect(description.trim(), command).not.toBe('');
			expect(keymap.bindings.some(binding => binding.command === command), `${command} has a key`).toBe(true);
		}
	});

	it('never gives one key two bindings in the same mode', () => {
		const clashes: string[] = [];
		for (const mode of modesOf(keymap)) {
			const live = keymap.bindings.filter(binding => binding.modes === undefined || binding.modes.includes(mode));
			for (const probe of probes()) {
				const matching = live.filter(binding => [...binding.keys, ...(binding.aliases ?? [])].some(spec => keyMatches(spec, probe.input, probe.key)));
				if (matching.length > 1) clashes.push(`${mode}: ${probe.name} → ${matching.map(binding => binding.command).join(', ')}`);
			}
		}
		expect(clashes).toEqual([]);
	});

	it('shows exactly the keys a binding matches (its aliases aside), each one a key some probe presses', () => {
		for (const binding of keymap.bindings) {
			expect(bindingLabel(binding)).toBe(binding.keys.map(keyLabel).join('/'));
			for (const spec of [...binding.keys, ...(binding.aliases ?? [])]) {
				expect(probes().some(probe => keyMatches(spec, probe.input, probe.key)), `${binding.command}: ${keyLabel(spec)}`).toBe(true);
			}
		}
	});

	it('has a help mode where the help closes', () => {
		expect(keysOf(keymap, 'close-help', 'help')).toBe('Esc/q/?');
		expect(matchCommand(keymap, '', {...noKey, escape: true}, 'help')).toBe('close-help');
	});
});

describe('the keymaps', () => {
	it('keep the help key out of a focused text field: ^/ there, ? elsewhere', () => {
		expect(keysOf(initKeymap, 'help', 'form-text')).toBe('^/');
		expect(keysOf(dashboardKeymap, 'help', 'list')).toBe('?');
		expect(matchCommand(initKeymap, '?', noKey, 'form-text')).toBeUndefined();
		expect(matchCommand(dashboardKeymap, '?', noKey, 'search')).toBeUndefined();
	});

	it('give the footer one entry for a pair of directions', () => {
		const select = footerItems(dashboardKeymap, 'list').find(item => item.label === 'select');
		expect(select).toEqual({keys: '↑/k ↓/j', label: 'select', command: 'select-previous'});
	});

	it('match a letter in its own case, and an alias too', () => {
		expect(matchCommand(dashboardKeymap, 'S', {...noKey, shift: true}, 'list')).toBe('stop-all');
		expect(matchCommand(dashboardKeymap, 's', noKey, 'list')).toBe('stop-daemon');
		expect(matchCommand(dashboardKeymap, 'Y', {...noKey, shift: true}, 'confirm-quit-all')).toBe('confirm-yes');
		expect(matchCommand(deployKeymap, '3', noKey, 'confirm-abort')).toBe('answer-given');
	});
});

describe('the keymaps table', () => {
	it('lists every keymap a module under screens/ exports', async () => {
		const listed = new Set(Object.values(keymaps));
		const missing: string[] = [];
		for (const file of screenModules()) {
			const exports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
			for (const [name, value] of Object.entries(exports)) if (isKeymap(value) && !listed.has(value)) missing.push(`${path.basename(file)}: ${name}`);
		}
		expect(missing).toEqual([]);
	}, 30_000);
});
