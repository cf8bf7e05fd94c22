import {mkdirSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import type {InstanceOnHost} from './instance-on-host.js';

function placeholderFlag(target: Pick<InstanceOnHost, 'root' | 'name'>): string {
	return path.join(target.root, 'var', target.name, 'upgrading');
}

export function placeholder(target: InstanceOnHost, on: boolean): void {
	const flag = placeholderFlag(target);
	if (on) {
		mkdirSync(path.dirname(flag), {recursive: true, mode: 0o700});
		writeFileSync(flag, `${new Date().toISOString()}\n`);
	} else rmSync(flag, {force: true});
}
