import {existsSync} from 'node:fs';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import v8 from 'node:v8';
import {checkoutDirectory} from '../../services/system/checkout.js';

/*
 * The full-screen apps load only when one opens, so that `--help` never loads Ink or React. (No JSX
 * in this file: the JSX runtime would load React before NODE_ENV is set.)
 */

/**
 * Runs `load` with React's production build: the development build costs about twice the CPU per
 * frame under a log flood, and more memory. NODE_ENV is set only while React loads, so the daemons
 * a --no-daemon supervisor starts later do not inherit it.
 */
async function withProductionReact<T>(load: () => Promise<T>): Promise<T> {
	const previous = process.env['NODE_ENV'];
	process.env['NODE_ENV'] = previous ?? 'production';
	try {
		return await load();
	} finally {
		if (previous === undefined) delete process.env['NODE_ENV'];
	}
}

/** The dashboard and the fleet view (screens.ts): the one-file bundle the build makes, or, where there is none (the sources run directly), the modules themselves. */
export async function loadScreens(): Promise<typeof import('./screens.js')> {
	// The screens hold little (the log rings are capped); trading a little CPU for a heap that stays small.
	v8.setFlagsFromString('--optimize-for-size');
	// Found from the checkout: this module may itself run from the command line's bundle.
	const bundle = path.join(checkoutDirectory, 'dist', 'source', 'app', 'screens.bundle.js');
	if (existsSync(bundle)) return (await import(pathToFileURL(bundle).href)) as typeof import('./screens.js');
	return withProductionReact(() => import('./screens.js'));
}

/**
 * The deploy screen, from its modules, never the bundle: it starts slower so, and its first frame
 * then holds the events read meanwhile (from the bundle the first frames caught steps half done).
 */
export async function loadDeployScreen() {
	return withProductionReact(async () => {
		// Before anything loads Ink: chalk decides on colour once, when it loads.
		await import('./no-color.js');
		const [{createElement}, {DeployScreen}, {renderFullscreen}] = await Promise.all([
			import('react'),
			import('../../screens/deploy/DeployScreen.js'),
			import('./fullscreen.js'),
		]);
		return {createElement, DeployScreen, renderFullscreen};
	});
}
