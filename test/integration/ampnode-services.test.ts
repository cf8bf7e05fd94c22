import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import {afterAll, beforeAll, expect, test} from 'vitest';
import type {LoadedServices} from '../../source/daemons/ampnode/service-loader.js';
import {checkoutDirectory} from '../helpers/instance.js';

/** Loads the services in plain Node, as ampnode does (the test runner would transform the modules itself). Needs `npm run build`. */
async function loadServices(ampnodeDirectory: string, modules: string[]): Promise<Omit<LoadedServices, 'routes'> & {routes: Array<{method: string; path: string}>}> {
	const loader = path.join(checkoutDirectory, 'dist', 'source', 'daemons', 'ampnode', 'service-loader.js');
	const script = `const {loadServices} = await import(process.argv[1]);
const result = await loadServices(process.argv[2], JSON.parse(process.argv[3]));
process.stdout.write(JSON.stringify({...result, routes: result.routes.map(({method, path}) => ({method, path}))}));`;
	const {stdout} = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, loader, ampnodeDirectory, JSON.stringify(modules)]);
	return JSON.parse(stdout);
}

let directory: string;

beforeAll(async () => {
	directory = await mkdtemp(path.join(os.tmpdir(), 'ampnode-services-'));
	const files: Record<string, string> = {
		'good.js': "export default function register(app) {\n\tapp.get('/good', () => ({status: 200, body: 'good'}));\n}\n",
		'throws.js': "const settings = {};\nif (!settings.ready) {\n\tthrow new Error('not configured');\n}\n",
		'syntax.js': "export default function register(app) {\n\tapp.get('/x', () => ({status: 200}));\n\tlet broken = ;\n}\n",
		'no-register.js': 'export const value = 1;\n',
		'reserved.js': "export default function register(app) {\n\tapp.get('/login', () => ({status: 200}));\n}\n",
	};
	for (const [name, text] of Object.entries(files)) await writeFile(path.join(directory, name), text);
});

afterAll(async () => {
	await rm(directory, {recursive: true, force: true});
});

test('good modules are mounted and each broken one is named with its file and line', async () => {
	const result = await loadServices(directory, ['throws.js', 'good.js', 'syntax.js', 'no-register.js', 'reserved.js', 'missing.js']);
	expect(result.loaded).toEqual(['good.js']);
	expect(result.routes.map(route => `${route.method} ${route.path}`)).toEqual(['GET /good']);
	const errors = Object.fromEntries(result.failed.map(failure => [failure.module, failure.error]));
	expect(errors['throws.js']).toBe(`${path.join(directory, 'throws.js')}:3: Error: not configured`);
	expect(errors['syntax.js']).toBe(`${path.join(directory, 'syntax.js')}:3: SyntaxError: Unexpected token ';'`);
	expect(errors['no-register.js']).toContain('must `export default function register(app)`');
	expect(errors['reserved.js']).toContain('/login belongs to ampnode itself');
	expect(errors['missing.js']).toBe(`${path.join(directory, 'missing.js')}: no such module; create it or remove it from ampnode.yaml`);
});
