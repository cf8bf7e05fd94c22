import {describe, expect, it} from 'vitest';
import {defaultAnswers} from '../../services/config/defaults.js';
import type {InitAnswers} from '../../services/config/amprun.js';
import {hasErrors, validateAnswers} from '../../services/instance/validate.js';

function answers(change: (answers: InitAnswers) => void = () => {}): InitAnswers {
	const value = defaultAnswers();
	change(value);
	return value;
}

describe('validateAnswers', () => {
	it('accepts the defaults', () => {
		const errors = validateAnswers(answers());
		expect(errors).toEqual({});
		expect(hasErrors(errors)).toBe(false);
	});

	it('names a port out of range', () => {
		const errors = validateAnswers(answers(a => (a.ports.frontend = 70000)));
		expect(errors['ports.frontend']).toMatch(/70000 is not a port; use 1 to 65535/);
		expect(validateAnswers(answers(a => (a.ports.redisLive = 0)))['ports.redisLive']).toMatch(/not a port/);
		expect(validateAnswers(answers(a => (a.ports.logstore = Number.NaN)))['ports.logstore']).toMatch(/not a number/);
	});

	it('names a port that is not a number by the text it was given as', () => {
		const notNumber = answers(a => (a.ports.frontend = Number.NaN));
		expect(validateAnswers(notNumber, {frontend: 'abc'})['ports.frontend']).toBe("frontend HTTPS port: 'abc' is not a number; use 1 to 65535");
		expect(validateAnswers(notNumber, {frontend: ''})['ports.frontend']).toBe('frontend HTTPS port: empty; use a port from 1 to 65535');
	});

	it('says which other field has a port used twice, on both fields', () => {
		const errors = validateAnswers(answers(a => (a.ports.redisData = a.ports.redisLive)));
		expect(errors['ports.redisData']).toBe(`port ${defaultAnswers().ports.redisLive} is already the redis live port`);
		expect(errors['ports.redisLive']).toBe(`port ${defaultAnswers().ports.redisLive} is also the redis data port`);
	});

	it('finds a port repeated among the ampnode ports and one shared with another daemon', () => {
		expect(validateAnswers(answers(a => (a.ports.ampnode = [9000, 9000])))['ports.ampnode']).toMatch(/listed twice/);
		expect(validateAnswers(answers(a => (a.ports.ampnode = [9000, a.ports.frontend])))['ports.ampnode']).toMatch(/already the frontend HTTPS port/);
		expect(validateAnswers(answers(a => (a.ports.ampnode = [])))['ports.ampnode']).toMatch(/at least one/);
	});

	it('refuses empty values and a name with a slash', () => {
		const errors = validateAnswers(
			answers(a => {
				a.title = '  ';
				a.userName = 'a/b';
				a.userEmail = '';
				a.hostName = 'host/name';
			}),
		);
		expect(errors['title']).toMatch(/cannot be empty/);
		expect(errors['userName']).toMatch(/slash/);
		expect(errors['userEmail']).toMatch(/cannot be empty/);
		expect(errors['hostName']).toMatch(/no slash/);
	});

	it('wants an email that looks like one', () => {
		expect(validateAnswers(answers(a => (a.userEmail = 'nobody')))['userEmail']).toMatch(/name@example.org/);
	});

	it('accepts "embedded" or an http(s) URL as the hub, nothing else', () => {
		expect(validateAnswers(answers(a => (a.hub = 'http://127.0.0.1:8050')))['hub']).toBeUndefined();
		expect(validateAnswers(answers(a => (a.hub = 'https://hub.example.org/')))['hub']).toBeUndefined();
		expect(validateAnswers(answers(a => (a.hub = 'ftp://hub.example.org')))['hub']).toMatch(/http:\/\/ or https:\/\//);
		expect(validateAnswers(answers(a => (a.hub = 'somewhere')))['hub']).toMatch(/"embedded" or an http\(s\) URL/);
	});

	it('wants an absolute amprun root', () => {
		expect(validateAnswers(answers(a => (a.amprunRoot = 'var/run')))['amprunRoot']).toMatch(/absolute path/);
		expect(validateAnswers(answers(a => (a.amprunRoot = '')))['amprunRoot']).toMatch(/cannot be empty/);
	});

	it('knows only the two setups', () => {
		expect(validateAnswers(answers(a => (a.setup = 'cluster' as InitAnswers['setup'])))['setup']).toMatch(/"single" or "server"/);
	});
});
