import path from 'node:path';
import {UsageError} from '../errors.js';
import {checkoutDirectory} from '../system/checkout.js';

/**
 * An instance is named by NAME (a sibling of the checkout, as the original README lays out) or
 * by a path (`./x`, `/srv/x`, anything with a slash), which tests and scripts use.
 */
export function resolveInstanceDirectory(nameOrPath: string, cwd = process.cwd()): string {
	if (nameOrPath === '' || nameOrPath === '.' || nameOrPath === '..') {
		throw new UsageError(`"${nameOrPath}" is not an instance name; give a NAME or a path like ./NAME`);
	}
	if (nameOrPath.includes('/')) return path.resolve(cwd, nameOrPath);
	if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(nameOrPath)) {
		throw new UsageError(`"${nameOrPath}" is not a valid instance name: use letters, digits, ".", "_" and "-"`);
	}
	return path.join(path.dirname(checkoutDirectory), nameOrPath);
}

export function instanceName(instanceDirectory: string): string {
	return path.basename(instanceDirectory);
}

/** How a user names this instance on the command line: NAME when it lives beside the checkout, else its path. */
export function instanceArgument(instanceDirectory: string): string {
	return path.dirname(instanceDirectory) === path.dirname(checkoutDirectory) ? path.basename(instanceDirectory) : instanceDirectory;
}
