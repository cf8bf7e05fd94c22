import path from 'node:path';
import {listPorts, portLabels, type PortMap} from '../config/ports.js';
import type {AnswerErrors, InitAnswers} from './types.js';

/** Field key of a port in AnswerErrors: `ports.frontend`, `ports.ampnode`, … */
const portField = (role: keyof PortMap): string => `ports.${role}`;

/** The text a port was given as (a flag's value, a form field's text), where it is known: a port that is not a number is named by it. */
export type TypedPorts = Partial<Record<Exclude<keyof PortMap, 'ampnode'>, string>>;

/**
 * Every problem with the answers, keyed by field (`title`, `ports.redisLive`, …), with a message
 * that says what is wrong and what would be right. Empty when the answers are good.
 */
export function validateAnswers(answers: InitAnswers, typed: TypedPorts = {}): AnswerErrors {
	const errors: AnswerErrors = {};
	const set = (field: string, message: string): void => {
		if (errors[field] === undefined) errors[field] = message;
	};

	requireText(answers.title, 'title', 'the title', set);
	requireText(answers.userName, 'userName', "the user's name", set);
	if (answers.userName.includes('/')) set('userName', 'the user name cannot contain a slash');
	requireText(answers.userEmail, 'userEmail', "the user's email", set);
	if (answers.userEmail.trim() !== '' && !/^[^\s@]+@[^\s@]+$/.test(answers.userEmail.trim())) {
		set('userEmail', 'an email looks like name@example.org');
	}
	requireText(answers.hostName, 'hostName', 'the host name', set);
	if (answers.hostName.trim() !== '' && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(answers.hostName.trim())) {
		set('hostName', 'a host name is letters, digits, dots and dashes (no slash, no spaces)');
	}

	if (answers.amprunRoot.trim() === '') set('amprunRoot', 'the amprun root directory cannot be empty');
	else if (!path.isAbsolute(answers.amprunRoot)) set('amprunRoot', `the amprun root must be an absolute path, like /opt/ampzero/var (not "${answers.amprunRoot}")`);

	const hubProblem = checkHub(answers.hub);
	if (hubProblem) set('hub', hubProblem);

	if (answers.setup !== 'single' && answers.setup !== 'server') set('setup', `setup is "single" or "server", not "${String(answers.setup)}"`);

	validatePorts(answers.ports, typed, set);
	return errors;
}

export function hasErrors(errors: AnswerErrors): boolean {
	return Object.values(errors).some(message => message !== undefined);
}

function requireText(value: string, field: string, label: string, set: (field: string, message: string) => void): void {
	if (value.trim() === '') set(field, `${label} cannot be empty`);
}

function checkHub(hub: string): string | undefined {
	if (hub === 'embedded') return undefined;
	if (hub.trim() === '') return 'the hub is "embedded" or a URL like http://127.0.0.1:8050';
	let url: URL;
	try {
		url = new URL(hub);
	} catch {
		return `the hub is "embedded" or an http(s) URL, not "${hub}"`;
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:') return `the hub URL must start with http:// or https://, not ${url.protocol}//`;
	return undefined;
}

function notANumber(label: string, text: string | undefined): string {
	if (text === undefined) return `${label}: not a number; use 1 to 65535`;
	return text.trim() === '' ? `${label}: empty; use a port from 1 to 65535` : `${label}: '${text}' is not a number; use 1 to 65535`;
}

function validatePorts(ports: PortMap, typed: TypedPorts, set: (field: string, message: string) => void): void {
	if (ports.ampnode.length === 0) set(portField('ampnode'), 'give at least one ampnode port');
	const owners = new Map<number, keyof PortMap>();
	for (const {role, port} of listPorts(ports)) {
		const field = portField(role);
		if (Number.isNaN(port)) {
			set(field, notANumber(portLabels[role], role === 'ampnode' ? undefined : typed[role]));
			continue;
		}
		if (!Number.isInteger(port) || port < 1 || port > 65535) {
			set(field, `${portLabels[role]}: ${port} is not a port; use 1 to 65535`);
			continue;
		}
		const owner = owners.get(port);
		if (owner === undefined) {
			owners.set(port, role);
		} else if (owner === role) {
			set(field, `port ${port} is listed twice in the ${portLabels[role]}`);
		} else {
			set(field, `port ${port} is already the ${portLabels[owner]}`);
			set(portField(owner), `port ${port} is also the ${portLabels[role]}`);
		}
	}
}
