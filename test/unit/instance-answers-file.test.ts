import {describe, expect, it} from 'vitest';
import {defaultAnswers} from '../../services/config/defaults.js';
import {AmpError} from '../../services/errors.js';
import {parseAnswers} from '../../services/instance/answers-file.js';

describe('parseAnswers', () => {
	it('lays the file over the base, with the keys of amprun.yaml', () => {
		const answers = parseAnswers('title: Kickass\nfrontend_port: 9443\nampnode_ports: [9001, 9002]\namprun_root_directory: /srv/var\nuser_id: 4\n', 'a.yaml', defaultAnswers());
		expect(answers.title).toBe('Kickass');
		expect(answers.ports.frontend).toBe(9443);
		expect(answers.ports.ampnode).toEqual([9001, 9002]);
		expect(answers.amprunRoot).toBe('/srv/var');
		expect(answers.ports.redisLive).toBe(defaultAnswers().ports.redisLive);
	});

	it('names file:line for bad YAML', () => {
		expect(() => parseAnswers('title: ok\nhub: [unclosed\n', 'answers.yaml', defaultAnswers())).toThrow(/^answers\.yaml:\d+: /);
		try {
			parseAnswers('title: ok\nhub: [unclosed\n', 'answers.yaml', defaultAnswers());
		} catch (error) {
			expect(error).toBeInstanceOf(AmpError);
			expect((error as AmpError).exitCode).toBe(2);
		}
	});

	it('names file:line for an unknown key and a port that is not a number', () => {
		expect(() => parseAnswers('title: ok\n\nfrontnd_port: 1\n', 'a.yaml', defaultAnswers())).toThrow(/^a\.yaml:3: frontnd_port is not an answer/);
		expect(() => parseAnswers('redis_live_port: lots\n', 'a.yaml', defaultAnswers())).toThrow(/^a\.yaml:1: redis_live_port must be a port number/);
	});
});
