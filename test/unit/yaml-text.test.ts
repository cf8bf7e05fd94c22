import {describe, expect, it} from 'vitest';
import {parseYaml} from '../../services/config/yaml-text.js';

describe('parseYaml', () => {
	it('names file:line and what is wrong, then the hint, with the exit code asked for', () => {
		let caught: unknown;
		try {
			parseYaml('max_segments: 3\nmax_segment_bytes: [1\n', 'logstore/logstore.yaml', {exitCode: 2, hint: 'fix the file or delete it to use the defaults'});
		} catch (error) {
			caught = error;
		}
		expect((caught as Error).message).toMatch(/^logstore\/logstore\.yaml:3: .+; fix the file or delete it to use the defaults$/);
		expect((caught as {exitCode: number}).exitCode).toBe(2);
		expect(parseYaml('{"a": 1}', 'x.json')).toEqual({a: 1});
	});
});
