#!/usr/bin/env node
// Part of `npm run build`, after tsc: bundles the dashboard (dist/source/app/dashboard-screen.js)
// with React and Ink into one file, dist/source/app/dashboard-screen.bundle.js. See that module.
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {build} from 'esbuild';

const checkout = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const app = path.join(checkout, 'dist', 'source', 'app');

/** Ink loads its React devtools bridge only when DEV=true; the bundle leaves it (and its optional dependency) out. */
const withoutInkDevtools = {
	name: 'without-ink-devtools',
	setup(bundle) {
		bundle.onResolve({filter: /\/devtools\.js$/}, ({importer}) => (importer.includes(`${path.sep}ink${path.sep}`) ? {path: 'ink-devtools', namespace: 'left-out'} : undefined));
		bundle.onLoad({filter: /.*/, namespace: 'left-out'}, () => ({contents: 'export {};'}));
	},
};

/**
 * Ink's output stage starts every frame from nothing; screens/ink-output/frame-output.ts does the
 * same job remembering what the last frame drew. The bundle takes it in place of Ink's own.
 */
const frameOutput = path.join(checkout, 'dist', 'screens', 'ink-output', 'frame-output.js');
const withFrameOutput = {
	name: 'with-frame-output',
	setup(bundle) {
		bundle.onResolve({filter: /^\.\/output\.js$/}, ({importer}) => (importer.endsWith(`${path.sep}ink${path.sep}build${path.sep}renderer.js`) ? {path: frameOutput} : undefined));
	},
};

await build({
	entryPoints: [path.join(app, 'dashboard-screen.js')],
	outfile: path.join(app, 'dashboard-screen.bundle.js'),
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	define: {'process.env.NODE_ENV': '"production"'},
	plugins: [withoutInkDevtools, withFrameOutput],
	// The CommonJS inside (React) calls require() for Node's modules: give the ES module one.
	banner: {js: "import {createRequire as bundleRequire} from 'node:module'; const require = bundleRequire(import.meta.url);"},
	logLevel: 'warning',
});
