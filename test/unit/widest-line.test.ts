import {Chalk} from 'chalk';
import {describe, expect, it} from 'vitest';
// The package Ink's renderer imports, which the dashboard's bundle replaces: the two must agree.
import packageWidestLine from 'widest-line';
import widestLine from '../../screens/ink-output/widest-line.js';

const chalk = new Chalk({level: 3});

describe('widest-line as the bundles use it', () => {
	it('gives the width the package gives, for plain, styled, wide, zero-width and multi-line text, first and again from memory', () => {
		const texts = [
			'',
			'flood 0000001 abcdefghi',
			'a\tb',
			'x\u007f',
			`${chalk.red('error')} ${chalk.bold.inverse(' selected ')} rest`,
			'漢字とかな',
			'emoji 👍🏽 and 👨‍👩‍👧',
			'e\u0301 combining',
			'one\ntwo wider\n',
			`${chalk.green('●')} 10.200.0.2\n  ✓ keyspace  ready`,
			'│›   ✓ nginx      ready      0',
		];
		for (let round = 0; round < 2; round++) for (const text of texts) expect([text, widestLine(text)]).toEqual([text, packageWidestLine(text)]);
	});
});
