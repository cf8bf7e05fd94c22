#!/usr/bin/env node
// Part of `npm run build`, after tsc: bundles what must start fast into single files:
// - the dashboard and the fleet view (dist/source/app/screens.js) with React and Ink, as
//   dist/source/app/screens.bundle.js (see that module);
// - the daemonised supervisor (dist/source/supervisor-main.js), as dist/source/supervisor-main.bundle.js;
// - each of ampzero's own daemons (dist/source/daemons/NAME/entry.js) with its libraries, as
//   dist/source/daemons/NAME.bundle.js (see source/daemons/daemon-entry.ts).
// - the deploy agent (dist/services/deploy/remote-agent.js), as dist/services/deploy/remote-agent.bundle.js;
// - the command line (dist/source/cli.js) split into chunks that load as a command needs them, in
//   dist/source/cli-bundle/ (bin/ampzero starts it: `run` reaches its supervisor sooner).
// Where a bundle is missing (a tree built with tsc alone) the unbundled modules are used.
import {rm} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {build} from 'esbuild';

const checkout = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const app = path.join(checkout, 'dist', 'source', 'app');

/** What every bundle is: one ES module for Node 20. */
const common = {
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	// The CommonJS inside (React, ioredis …) calls require() for Node's modules: give the ES module one.
	banner: {js: "import {createRequire as bundleRequire} from 'node:module'; const require = bundleRequire(import.meta.url);"},
	logLevel: 'warning',
};

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
let frameOutputSwapped = false;
const withFrameOutput = {
	name: 'with-frame-output',
	setup(bundle) {
		bundle.onResolve({filter: /^\.\/output\.js$/}, ({importer}) => {
			if (!importer.endsWith(`${path.sep}ink${path.sep}build${path.sep}renderer.js`)) return undefined;
			frameOutputSwapped = true;
			return {path: frameOutput};
		});
	},
};

/**
 * Ink's renderer measures every text node of every frame with `widest-line` (string-width walks
 * each line's graphemes); screens/ink-output/widest-line.ts gives the same widths, ASCII at once
 * and the rest remembered. The bundles that hold Ink take it in place of the package.
 */
const widestLine = path.join(checkout, 'dist', 'screens', 'ink-output', 'widest-line.js');
const withWidestLine = {
	name: 'with-widest-line',
	setup(bundle) {
		bundle.onResolve({filter: /^widest-line$/}, ({importer}) => (importer.includes(`${path.sep}ink${path.sep}build${path.sep}`) ? {path: widestLine} : undefined));
	},
};

await build({
	...common,
	entryPoints: [path.join(app, 'screens.js')],
	outfile: path.join(app, 'screens.bundle.js'),
	define: {'process.env.NODE_ENV': '"production"'},
	// Whitespace and syntax only: names stay, so a crash's stack still says where.
	minifyWhitespace: true,
	minifySyntax: true,
	plugins: [withoutInkDevtools, withFrameOutput, withWidestLine],
});
// frame-output.ts was written against the Ink version package.json pins: a newer Ink that renamed or
// moved its renderer or output stage would otherwise be bundled with its own, and nothing would say so.
if (!frameOutputSwapped) {
	throw new Error("bin/bundle.mjs: Ink's output stage (ink/build/output.js, imported by ink/build/renderer.js) was not found, so screens/ink-output/frame-output.ts did not replace it; check the Ink version against the one package.json pins");
}

// Native and optional modules stay outside: they are loaded from node_modules as before. (A module
// left outside is loaded when the bundle starts; one inside, only when first imported.)
const processes = [
	['supervisor-main.js', 'supervisor-main.bundle.js'],
	...['ampnode', 'logstore', 'zerodata', 'postgresql'].map(daemon => [path.join('daemons', daemon, 'entry.js'), path.join('daemons', `${daemon}.bundle.js`)]),
];
for (const [entry, bundle] of processes) {
	await build({
		...common,
		entryPoints: [path.join(checkout, 'dist', 'source', entry)],
		outfile: path.join(checkout, 'dist', 'source', bundle),
		external: ['better-sqlite3', 'fs-ext', 'pg-native'],
	});
}

// The deploy agent (dist/services/deploy/remote-agent.js), as dist/services/deploy/remote-agent.bundle.js:
// the one file `ampzero deploy` copies to each host, where nothing of ampzero's is installed. It may
// import the project's modules; whatever it takes from node_modules would have to run on the host too,
// so none is allowed in.
const deploy = path.join(checkout, 'dist', 'services', 'deploy');
const agent = await build({
	...common,
	banner: {},
	entryPoints: [path.join(deploy, 'remote-agent.js')],
	outfile: path.join(deploy, 'remote-agent.bundle.js'),
	metafile: true,
});
const packaged = Object.keys(agent.metafile.inputs).filter(input => input.includes('node_modules'));
if (packaged.length > 0) throw new Error(`bin/bundle.mjs: the deploy agent must use Node's own modules only, but it imports ${packaged.join(', ')}`);

// ssh2 carries a native binding beside its code; Ink's devtools client is loaded only with DEV=true;
// ioredis and React (CommonJS) are imported by name after `await import()`, which a split bundle
// would answer with their default export only: Node's own loader gives the names. The NAT client
// reads its package.json through a path relative to itself (in the supervisor's bundle that path happens to reach the
// checkout's package.json; from cli-bundle/ it would reach nothing). Each is loaded only with the
// chunk that imports it.
const cliBundle = path.join(checkout, 'dist', 'source', 'cli-bundle');
await rm(cliBundle, {recursive: true, force: true});
frameOutputSwapped = false;
await build({
	...common,
	entryPoints: [path.join(checkout, 'dist', 'source', 'cli.js')],
	outdir: cliBundle,
	splitting: true,
	external: ['better-sqlite3', 'fs-ext', 'pg-native', 'ssh2', 'react-devtools-core', 'ioredis', 'react', '@achingbrain/nat-port-mapper'],
	// The init and deploy screens load from these chunks: the same output stage as the dashboard's.
	plugins: [withFrameOutput, withWidestLine],
});
if (!frameOutputSwapped) throw new Error("bin/bundle.mjs: Ink's output stage was not replaced in the command line's bundle; check the Ink version against the one package.json pins");
