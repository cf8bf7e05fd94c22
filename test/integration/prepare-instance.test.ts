import {cp, stat} from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {daemonUser} from '../../services/daemons/daemon-user.js';
import {prepareInstanceRelease} from '../../services/deploy/prepare-instance.js';
import {makeTestInstance, type TestInstance} from '../helpers/instance.js';

/*
 * A deployed host's nginx (the bridge that holds the frontend during a deploy too) serves the instance's
 * pages through the link `dist/instance`, as the daemons' user. From the moment the switch points that link
 * at the new release, its pages must be readable by that user: before, a client got 403 until the new
 * release's own `run` shared it (some 70 requests per host at 20 ms).
 */
let instance: TestInstance | undefined;

beforeAll(async () => {
	instance = await makeTestInstance({name: 'prepared'});
});

afterAll(async () => {
	await instance?.cleanup();
});

describe('prepare-instance on a host', () => {
	it.runIf(process.getuid?.() === 0)('run as root, leaves a release its daemons can read through their group, and every other secret owner-only', async () => {
		const release = path.join(instance!.root, 'dist', 'instance-0123456789');
		await cp(instance!.directory, release, {recursive: true, filter: source => path.basename(source) !== '.git'});
		await prepareInstanceRelease(release, path.join(instance!.root, 'var'), path.join(instance!.root, 'dist', 'instance'));
		const user = daemonUser()!;
		const modeOf = async (relative: string): Promise<{mode: string; gid: number}> => {
			const info = await stat(path.join(release, relative));
			return {mode: (info.mode & 0o777).toString(8), gid: info.gid};
		};
		expect(await modeOf('.')).toEqual({mode: '750', gid: user.gid});
		expect(await modeOf('nginx')).toEqual({mode: '750', gid: user.gid});
		expect(await modeOf('nginx/www')).toEqual({mode: '750', gid: user.gid});
		expect(await modeOf('nginx/www/upgrading.html')).toEqual({mode: '640', gid: user.gid});
		expect(await modeOf('nginx/nginx.conf')).toEqual({mode: '640', gid: user.gid});
		expect((await modeOf('nginx/server.key')).mode).toBe('600');
	});
});
