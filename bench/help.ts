import {spawnSync} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

/*
 * `ampzero --help` start-up time beside a bare `node -e 0`, median of many runs, and proof that
 * React was not loaded on the way (Ink imports React, and React, being CommonJS, shows in require.cache).
 */
const checkout = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const runs = 21;

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function timeOnce(args: string[]): number {
	const start = process.hrtime.bigint();
	const result = spawnSync(process.execPath, args, {cwd: checkout, stdio: ['ignore', 'ignore', 'inherit']});
	if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}`);
	return Number(process.hrtime.bigint() - start) / 1e6;
}

// Interleaved, so that load from anything else on the machine falls on all three alike.
const commands = {bare: ['-e', '0'], help: ['bin/ampzero', '--help'], initHelp: ['bin/ampzero', 'init', '--help']};
const samples: Record<keyof typeof commands, number[]> = {bare: [], help: [], initHelp: []};
for (let index = 0; index < runs; index++) {
	for (const name of Object.keys(commands) as Array<keyof typeof commands>) samples[name].push(timeOnce(commands[name]));
}
const bare = median(samples.bare);
const help = median(samples.help);
const initHelp = median(samples.initHelp);
const graph = spawnSync(process.execPath, ['--input-type=module', '-e', `
	import {main} from './dist/source/cli.js';
	process.stdout.write = () => true;
	await main(['--help']);
	const {createRequire} = await import('node:module');
	const require = createRequire(import.meta.url);
	const cache = Object.keys(require.cache);
	console.error(JSON.stringify(cache.filter(file => /node_modules\\/(ink|react)\\//.test(file))));
`], {cwd: checkout, encoding: 'utf8'});
const heavy = JSON.parse(graph.stderr.trim().split('\n').pop() ?? '[]') as string[];

console.log(`node -e 0            median ${bare.toFixed(1)} ms (${runs} runs)`);
console.log(`ampzero --help       median ${help.toFixed(1)} ms (+${(help - bare).toFixed(1)} ms over bare node)`);
console.log(`ampzero init --help  median ${initHelp.toFixed(1)} ms (+${(initHelp - bare).toFixed(1)} ms over bare node)`);
console.log(`Ink/React modules loaded by --help: ${heavy.length === 0 ? 'none' : heavy.join(', ')}`);
