import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, describe, expect, it} from 'vitest';

const checkout = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'ampzero-deploy-cli-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

function ampzero(...args: string[]) {
	const result = spawnSync(process.execPath, ['bin/ampzero', ...args], {cwd: checkout, encoding: 'utf8', env: {...process.env, CI: 'true', AMPZERO_HOME: scratch}});
	return {code: result.status, stdout: result.stdout, stderr: result.stderr};
}

describe('ampzero deploy on the command line', () => {
	it('exits 2 on usage errors', () => {
		expect(ampzero('deploy', './x', 'bogus').code).toBe(2);
		expect(ampzero('deploy', './x', '--parallel', '0').code).toBe(2);
		const badHost = ampzero('deploy', './x', '--host', 'nouser');
		expect(badHost.code).toBe(2);
		expect(badHost.stderr).toContain('--host nouser: expected USER@HOST');
	});

	it('stops at a bad deployment.yaml with file:line, before connecting', () => {
		const config = path.join(scratch, 'deployment.yaml');
		writeFileSync(config, 'hosts:\n  - host: root@127.0.0.1\nshh:\n  agent: false\n');
		const result = ampzero('deploy', scratch, '--config', config, '--batch');
		expect(result.code).toBe(1);
		expect(result.stderr).toContain(`${config}:3: unknown key "shh"`);
	});
});
