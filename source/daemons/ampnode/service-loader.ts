import path from 'node:path';
import {pathToFileURL} from 'node:url';
import type {ServiceApp, ServiceHandler, ServiceRoute} from './service-api.js';

/** Paths ampnode answers itself; a service may not take them. */
const reservedPaths = new Set(['/', '/health', '/login', '/logout', '/signed-out']);

export interface ServiceLoadFailure {
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
export function describeLoadError(error: unknown, file: string): string {
	const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
	const stack = error instanceof Error ? (error.stack ?? '') : '';
	const url = pathToFileURL(file).href;
	// A syntax error's stack starts with `file:///…/x.js:LINE`; a thrown error has `at … (file:///…/x.js:LINE:COLUMN)`.
	const escaped = url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
	const line = new RegExp(`${escaped}:(\\d+)`).exec(stack)?.[1];
	if (line !== undefined) return `${file}:${line}: ${message}`;
	if ((error as NodeJS.ErrnoException | undefined)?.code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(file)) {
		return `${file}: no such module; create it or remove it from ampnode.yaml`;
	}
	return `${file}: ${message}`;
}
