import {mkdtemp, rm, stat, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {fromYaml} from '../../services/config/amprun.js';
import {defaultAnswers} from '../../services/config/defaults.js';
import {checkAmprunRoot} from '../../services/instance/amprun-root.js';
import {generatedFilePlans} from '../../services/instance/file-plans.js';
import {answersOf, clobberedInstanceConfig, newInstanceConfig} from '../../services/instance/instance-config.js';

let root: string;

beforeEach(async () => {
	root = await mkdtemp(path.join(os.tmpdir(), 'ampzero-generation-'));
});

afterEach(async () => {
	await rm(root, {recursive: true, force: true});
});

const config = () => newInstanceConfig('kickass', {...defaultAnswers(), amprunRoot: '/srv/var'}, {userId: 23, hostId: 7});

describe('generatedFilePlans', () => {
	it('is pure: the same config gives the same plans', () => {
		const one = config();
		expect(generatedFilePlans(one, '/home/tav/kickass')).toEqual(generatedFilePlans(one, '/home/tav/kickass'));
	});

	it('writes an amprun.yaml that reads back as the same config', () => {
		const one = config();
		const plan = generatedFilePlans(one, '/home/tav/kickass').find(entry => entry.path === 'amprun.yaml');
		expect(plan?.kind).toBe('file');
		expect(fromYaml(plan?.kind === 'file' ? plan.content : '', 'amprun.yaml')).toEqual(one);
	});

	it('links the daemons relative to where the instance will live', () => {
		const plans = generatedFilePlans(config(), '/home/tav/kickass');
		const link = plans.find(entry => entry.path === 'logstore/lib');
		expect(link?.kind === 'symlink' && !path.isAbsolute(link.target)).toBe(true);
		expect(link?.kind === 'symlink' && path.resolve('/home/tav/kickass/logstore', link.target)).toMatch(/\/source\/daemons\/logstore$/);
	});

	it('never plans a key file, so --clobber cannot touch them', () => {
		const paths = generatedFilePlans(config(), '/home/tav/kickass').map(entry => entry.path);
		expect(paths.filter(file => file.endsWith('.key') || file.endsWith('.cert'))).toEqual([]);
	});

	it('names the instance directory in nginx.conf and the redis password in redis.conf', () => {
		const one = config();
		const plans = generatedFilePlans(one, '/home/tav/kickass');
		const content = (file: string): string => {
			const plan = plans.find(entry => entry.path === file);
			return plan?.kind === 'file' ? plan.content : '';
		};
		expect(content('nginx/nginx.conf')).toContain('/home/tav/kickass/nginx/server.cert');
		expect(content('ampnode/redis.conf')).toContain(one.redisPassword);
		expect(content('README.md')).toContain('user-23.control.key');
	});
});

describe('instance configs', () => {
	it('a new config has a fresh redis password each time', () => {
		expect(config().redisPassword).not.toBe(config().redisPassword);
	});

	it('--clobber keeps ids, password and hub, takes the new answers, and follows port changes in derived addresses', () => {
		const existing = config();
		const answers = {...answersOf(existing), title: 'New title', ports: {...existing.ports, logstore: 9100}};
		const clobbered = clobberedInstanceConfig(existing, answers);
		expect(clobbered).toMatchObject({title: 'New title', userId: 23, hostId: 7, redisPassword: existing.redisPassword, hub: 'embedded'});
		expect(clobbered.logstoreUrl).toBe('http://127.0.0.1:9100');
		const edited = clobberedInstanceConfig({...existing, logstoreUrl: 'http://logs.example.org'}, answers);
		expect(edited.logstoreUrl).toBe('http://logs.example.org');
	});
});

describe('checkAmprunRoot', () => {
	it('creates a missing root', async () => {
		const directory = path.join(root, 'a/b/var');
		expect(await checkAmprunRoot(directory)).toBeNull();
		expect((await stat(directory)).isDirectory()).toBe(true);
	});

	it('explains a root that cannot be made, with the sudo commands that would fix it', async () => {
		await writeFile(path.join(root, 'file'), '');
		const problem = await checkAmprunRoot(path.join(root, 'file/var'));
		expect(problem?.path).toBe(path.join(root, 'file/var'));
		expect(problem?.why).toContain(path.join(root, 'file/var'));
		expect(problem?.sudoCommands[0]).toMatch(new RegExp(`^sudo mkdir -p ${path.join(root, 'file/var')} && sudo chown \\S+ ${path.join(root, 'file/var')}$`));
	});
});
