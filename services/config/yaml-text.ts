import yaml from 'js-yaml';
import {AmpError} from '../errors.js';

/**
 * Parses YAML (JSON is YAML too); a syntax error becomes an AmpError naming `file:line` and what is
 * wrong, then `hint` when given, exiting with `exitCode` (2 for a file the user named on the command line).
 */
export function parseYaml(text: string, file: string, options: {exitCode?: 1 | 2; hint?: string} = {}): unknown {
	try {
		return yaml.load(text, {filename: file});
	} catch (error) {
		if (error instanceof yaml.YAMLException) throw new AmpError(`${file}:${error.mark.line + 1}: ${error.reason}${options.hint ? `; ${options.hint}` : ''}`, options.exitCode);
		throw error;
	}
}
