import {execFileSync} from 'node:child_process';
import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {checkoutDirectory} from '../helpers/instance.js';

let directory: string;
beforeEach(() => {
	directory = mkdtempSync(path.join(tmpdir(), 'ampzero-setup-'));
});
afterEach(() => rmSync(directory, {recursive: true, force: true}));

/**
 * Runs bin/system-services' two steps around a simulated install, with `service` and `update-rc.d`
 * recording what they are asked (the real ones would start Debian's nginx on port 80).
 */
function runAroundInstall(runningBefore: string[], startedByInstall: string[], installed: string[]): string[] {
	const bin = path.join(directory, 'bin');
	const state = path.join(directory, 'state');
	execFileSync('mkdir', ['-p', bin, state]);
	const stub = (name: string, body: string): void => {
		writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`);
		chmodSync(path.join(bin, name), 0o755);
	};
	stub('service', `echo "service $*" >> ${directory}/calls
case "$2" in
	status) [ -e ${state}/$1 ] ;;
	stop) rm -f ${state}/$1 ;;
esac`);
	stub('update-rc.d', `echo "update-rc.d $*" >> ${directory}/calls`);
	const touch = (names: string[]): string => names.map(name => `touch ${state}/${name}`).join('; ') || 'true';
	const script = `set -euo pipefail
sudo=()
source ${path.join(checkoutDirectory, 'bin', 'system-services')}
with_systemd() { false; }
${touch(runningBefore)}
note_running_services
${touch(startedByInstall)}
stop_services_the_install_started ${installed.join(' ')}
echo "running: $(ls ${state} | tr "\\n" " ")"`;
	writeFileSync(path.join(directory, 'calls'), '');
	const running = execFileSync('bash', ['-c', script], {env: {...process.env, PATH: `${bin}:${process.env['PATH']}`}, encoding: 'utf8'});
	const calls = readFileSync(path.join(directory, 'calls'), 'utf8').split('\n').filter(line => line !== '' && !line.endsWith(' status'));
	return [...calls, ...running.trim().split('\n').filter(line => line.startsWith('running:')).map(line => line.trim())];
}

describe('bin/setup and the system services Debian starts on install', () => {
	it('stops and disables those the install started, leaves one that was running before, and those of packages installed earlier', () => {
		const result = runAroundInstall(['nginx'], ['redis-server', 'etcd', 'nginx'], ['redis-server', 'nginx-light', 'openssl']);
		expect(result).toEqual(['service redis-server stop', 'update-rc.d redis-server disable', 'running: etcd nginx']);
	});
});
