import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import type {ServiceApp, ServiceHandler, ServiceRoute} from './service-api.js';

/** Paths ampnode answers itself; a service may not take them. */
const reservedPaths = new Set(['/', '/health', '/login', '/logout', '/signed-out']);

interface ServiceLoadFailure {
	module: string;
	/** `file:line: message`, as shown in the log. */
	error: string;
}

export interface LoadedServices {
	routes: ServiceRoute[];
	loaded: string[];
	failed: ServiceLoadFailure[];
}

/**
 * Imports each module `ampnode.yaml` lists and calls its default `register(app)`. A module that
 * fails (syntax error, throws at load or in register, no register function) is reported with its
 * file and line and left out: the other services and ampnode's own pages keep working.
 */
export async function loadServices(ampnodeDirectory: string, modules: string[]): Promise<LoadedServices> {
	const result: LoadedServices = {routes: [], loaded: [], failed: []};
	for (const module of modules) {
		const file = path.resolve(ampnodeDirectory, module);
		const routes: ServiceRoute[] = [];
		const add = (method: 'GET' | 'POST') => (routePath: string, handler: ServiceHandler): void => {
			if (typeof routePath !== 'string' || !routePath.startsWith('/')) throw new Error(`route path must start with "/", not ${JSON.stringify(routePath)}`);
			if (typeof handler !== 'function') throw new Error(`the handler of ${method} ${routePath} is not a function`);
			if (reservedPaths.has(routePath)) throw new Error(`${routePath} belongs to ampnode itself; choose another path`);
			routes.push({method, path: routePath, handler, module});
		};
		const app: ServiceApp = {get: add('GET'), post: add('POST')};
		try {
			const imported = (await import(pathToFileURL(file).href)) as {default?: unknown};
			if (typeof imported.default !== 'function') {
				throw new Error('it must `export default function register(app)`');
			}
			await (imported.default as (app: ServiceApp) => unknown)(app);
			result.routes.push(...routes);
			result.loaded.push(module);
		} catch (error) {
			result.failed.push({module, error: describeLoadError(error, file)});
		}
	}
	return result;
}

/** `file:line: message` for an error raised while loading `file`. */
function describeLoadError(error: unknown, file: string): string {
	const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
	const stack = error instanceof Error ? (error.stack ?? '') : '';
	// A thrown error has `at … (file:///…/x.js:LINE:COLUMN)`, or the bare path when Node loaded the file as CommonJS.
	const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
	const line =
		new RegExp(`(?:${escape(pathToFileURL(file).href)}|${escape(file)}):(\\d+)`).exec(stack)?.[1] ??
		(error instanceof SyntaxError ? syntaxErrorLine(file) : undefined);
	if (line !== undefined) return `${file}:${line}: ${message}`;
	if ((error as NodeJS.ErrnoException | undefined)?.code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(file)) {
		return `${file}: no such module; create it or remove it from ampnode.yaml`;
	}
	return `${file}: ${message}`;
}

/** The line of a module's syntax error: Node's stack for it has none, so ask `node --check`. */
function syntaxErrorLine(file: string): string | undefined {
	let source: string;
	try {
		source = readFileSync(file, 'utf8');
	} catch {
		return undefined;
	}
	try {
		execFileSync(process.execPath, ['--input-type=module', '--check'], {input: source, stdio: ['pipe', 'ignore', 'pipe'], timeout: 5_000});
		return undefined;
	} catch (error) {
		const stderr = String((error as {stderr?: Buffer}).stderr ?? '');
		return /^\[stdin\]:(\d+)/m.exec(stderr)?.[1];
	}
}
