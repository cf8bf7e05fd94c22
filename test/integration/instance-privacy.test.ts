import {execFileSync} from 'node:child_process';
import {readdir, rm, stat} from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {makeTestInstance, runAmpzero, type TestInstance} from '../helpers/instance.js';

const git = (directory: string, ...args: string[]): string => execFileSync('git', args, {cwd: directory, encoding: 'utf8'}).trim();

async function modeOf(file: string): Promise<number> {
	return (await stat(file)).mode & 0o777;
}

/** Every path under `directory` that "others" may read, write or enter. */
async function openToOthers(directory: string): Promise<string[]> {
	const open: string[] = [];
	for (const entry of await readdir(directory, {recursive: true, withFileTypes: true})) {
		if (entry.isSymbolicLink()) continue;
		const file = path.join(entry.parentPath, entry.name);
		if ((await modeOf(file)) & 0o007) open.push(path.relative(directory, file));
	}
	return open;
}

/** The instance's secrets are owner-only, as made and after everything that rewrites them. */
async function expectPrivate(instance: TestInstance): Promise<void> {
	const {directory, config} = instance;
	expect((await modeOf(directory)).toString(8)).toBe('700');
	expect((await modeOf(path.join(directory, '.git'))).toString(8)).toBe('700');
	const secrets = [
		'amprun.yaml', 'ampnode/redis.conf', 'nginx/server.key',
		`ampnode/user-${config.userId}.private.key`, `ampnode/host-${config.hostId}.private.key`,
		`ampnode/user-${config.userId}.control.key`, `ampnode/host-${config.hostId}.control.key`,
	];
	for (const secret of secrets) expect([secret, (await modeOf(path.join(directory, secret))).toString(8)]).toEqual([secret, '600']);
	expect(await openToOthers(path.join(directory, '.git', 'objects'))).toEqual([]);
	expect(git(directory, 'config', 'core.sharedRepository')).toBe('0600');
}

describe('an instance is private to its owner', () => {
	let instance: TestInstance;

	beforeAll(async () => {
		// A permissive umask is the common case that made secrets world-readable.
		const umask = process.umask(0o022);
		try {
			instance = await makeTestInstance();
		} finally {
			process.umask(umask);
		}
	});

	afterAll(async () => {
		await instance?.cleanup();
	});

	it('as made by init: the directory and .git 0700, every secret 0600, git objects owner-only', async () => {
		await expectPrivate(instance);
	});

	it('after --clobber (also of an instance whose modes were opened up)', async () => {
		execFileSync('chmod', ['-R', 'go+rX', instance.directory]);
		git(instance.directory, 'config', '--unset', 'core.sharedRepository');
		const result = await runAmpzero(['init', instance.directory, '--clobber', '--batch', '--title', 'Private'], {home: instance.home});
		expect(result.code, result.stderr).toBe(0);
		await expectPrivate(instance);
	});

	it('after hub update', async () => {
		const result = await runAmpzero(['hub', 'update', instance.directory, '--identity', 'host', '--batch'], {home: instance.home});
		expect(result.code, result.stderr).toBe(0);
		await expectPrivate(instance);
	});

	it('after a git checkout restores secrets with a permissive umask', async () => {
		const {directory, config} = instance;
		const restored = ['amprun.yaml', 'nginx/server.key', `ampnode/host-${config.hostId}.private.key`];
		for (const file of restored) await rm(path.join(directory, file));
		execFileSync('sh', ['-c', `umask 022 && git checkout -- ${restored.join(' ')}`], {cwd: directory});
		await expectPrivate(instance);
	});
});
