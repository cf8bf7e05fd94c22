import {createHash} from 'node:crypto';
import {execFileSync} from 'node:child_process';
import {lstat, mkdtemp, readdir, readFile, readlink, realpath, rm, stat, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {loadInstanceConfig} from '../../services/config/amprun.js';
import {keyFileName, verifyPublicKey} from '../../services/keys/identity.js';
import {readHubPublicKeyFile, readPublicKeyFile} from '../../services/keys/store.js';
import {checkoutDirectory, makeTestInstance, runAmpzero, type TestInstance} from '../helpers/instance.js';

const git = (directory: string, ...args: string[]): string => execFileSync('git', args, {cwd: directory, encoding: 'utf8'}).trim();

function keyFiles(instance: TestInstance): string[] {
	const {userId, hostId} = instance.config;
	return (['public', 'private', 'control'] as const).flatMap(part => [`ampnode/${keyFileName('user', userId, part)}`, `ampnode/${keyFileName('host', hostId, part)}`]);
}

async function sha256(file: string): Promise<string> {
	return createHash('sha256').update(await readFile(file)).digest('hex');
}

/** Every path under `directory` (links not followed) with its content hash and mtime: to show nothing was touched. */
async function snapshotTree(directory: string): Promise<Record<string, string>> {
	const result: Record<string, string> = {};
	for (const entry of await readdir(directory, {recursive: true, withFileTypes: true})) {
		const file = path.join(entry.parentPath, entry.name);
		const info = await lstat(file);
		result[path.relative(directory, file)] = info.isFile() ? `${await sha256(file)} ${info.mtimeMs}` : `${info.mode} ${info.mtimeMs}`;
	}
	return result;
}

describe('ampzero init --batch', () => {
	let instance: TestInstance;

	beforeAll(async () => {
		instance = await makeTestInstance();
	});

	afterAll(async () => {
		await instance?.cleanup();
	});

	it('lays out every file of the README', async () => {
		const expected = [
			'.gitignore',
			'README.md',
			'amprun.yaml',
			'deployment.yaml',
			'ampnode/ampnode.yaml',
			'ampnode/redis.conf',
			'ampnode/services/hello.js',
			'ampnode/templates/home.html',
			'ampnode/hub.public.key',
			...keyFiles(instance),
			'keyspace/keyspace-single.conf',
			'keyspace/keyspace-0.conf',
			'keyspace/keyspace-1.conf',
			'keyspace/keyspace-2.conf',
			'logstore/logstore.yaml',
			'zerodata/zerodata.yaml',
			'nginx/nginx.conf',
			'nginx/server.cert',
			'nginx/server.key',
			'nginx/www/index.html',
			'nginx/www/upgrading.html',
		];
		for (const file of expected) expect((await stat(path.join(instance.directory, file))).isFile(), file).toBe(true);
		expect((await stat(path.join(instance.directory, '.git'))).isDirectory()).toBe(true);
		const siblings = await readdir(path.dirname(instance.directory));
		expect(siblings.filter(name => name.includes('partial'))).toEqual([]);
	});

	it('records every answer and the ids in amprun.yaml', async () => {
		const {config} = instance;
		expect(config.name).toBe('demo');
		expect(config.amprunRoot).toBe(path.join(instance.root, 'var'));
		expect(config.hub).toBe('embedded');
		expect(config.userId).toBeGreaterThan(0);
		expect(config.hostId).toBeGreaterThan(0);
		expect(config.redisPassword).toMatch(/^[A-Za-z0-9_-]{32}$/);
		expect((await readFile(path.join(instance.directory, 'ampnode/redis.conf'), 'utf8'))).toContain(`requirepass "${config.redisPassword}"`);
		expect((await stat(path.join(instance.root, 'var'))).isDirectory()).toBe(true);
	});

	it('links logstore/lib and zerodata/lib to the daemons in the checkout by relative paths', async () => {
		for (const daemon of ['logstore', 'zerodata']) {
			const link = path.join(instance.directory, daemon, 'lib');
			const target = await readlink(link);
			expect(path.isAbsolute(target)).toBe(false);
			expect(await realpath(link)).toBe(await realpath(path.join(checkoutDirectory, 'source', 'daemons', daemon)));
		}
	});

	it('writes private and control keys 0600, and every public key verifies against hub.public.key', async () => {
		for (const file of keyFiles(instance)) {
			const mode = (await stat(path.join(instance.directory, file))).mode & 0o777;
			expect(mode, file).toBe(file.endsWith('.public.key') ? 0o644 : 0o600);
		}
		expect((await stat(path.join(instance.directory, 'nginx/server.key'))).mode & 0o777).toBe(0o600);
		const hubKey = await readHubPublicKeyFile(path.join(instance.directory, 'ampnode/hub.public.key'));
		for (const file of keyFiles(instance).filter(name => name.endsWith('.public.key'))) {
			expect(verifyPublicKey(await readPublicKeyFile(path.join(instance.directory, file)), hubKey), file).toBe(true);
		}
	});

	it('makes a certificate for the host name that openssl reads', () => {
		const text = execFileSync('openssl', ['x509', '-in', path.join(instance.directory, 'nginx/server.cert'), '-noout', '-subject', '-ext', 'subjectAltName'], {encoding: 'utf8'});
		expect(text).toMatch(/CN ?= ?localhost/);
		expect(text).toContain('IP Address:127.0.0.1');
	});

	it('is a git repository with one commit by the user, and no control key in it', () => {
		expect(git(instance.directory, 'log', '--format=%s|%an|%ae')).toBe(`Create instance demo|${instance.config.userName}|${instance.config.userEmail}`);
		const tracked = git(instance.directory, 'ls-files').split('\n');
		expect(tracked.filter(file => file.endsWith('.control.key'))).toEqual([]);
		expect(tracked).toContain(`ampnode/${keyFileName('host', instance.config.hostId, 'public')}`);
		// The user's private key signs the members file: it stays on this machine, ignored, never in a commit.
		expect(tracked).toContain(`ampnode/${keyFileName('user', instance.config.userId, 'public')}`);
		expect(tracked).not.toContain(`ampnode/${keyFileName('user', instance.config.userId, 'private')}`);
		expect(git(instance.directory, 'log', '--all', '--format=', '--name-only')).not.toContain(keyFileName('user', instance.config.userId, 'private'));
		// The CA key signs every host's certificate: it stays here too.
		expect(tracked).toContain('tls/ca.cert');
		expect(tracked).not.toContain('tls/ca.key');
		expect(tracked).toContain('logstore/lib');
		expect(git(instance.directory, 'status', '--porcelain')).toBe('');
	});
});

describe('ampzero init on an existing instance', () => {
	let instance: TestInstance;

	afterEach(async () => {
		await instance?.cleanup();
	});

	it('--clobber takes the user private key and the CA key out of an instance that still has them committed, and keeps the files', async () => {
		instance = await makeTestInstance();
		const {directory} = instance;
		const userKey = `ampnode/${keyFileName('user', instance.config.userId, 'private')}`;
		const caKey = 'tls/ca.key';
		const keySum = await sha256(path.join(directory, userKey));
		const caKeySum = await sha256(path.join(directory, caKey));
		// As init made instances before: the keys committed, the .gitignore without them.
		await writeFile(path.join(directory, '.gitignore'), '*.control.key\n');
		git(directory, 'add', '.gitignore', userKey, caKey);
		git(directory, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'older instance');
		expect(git(directory, 'ls-files', userKey, caKey)).toBe(`${userKey}\n${caKey}`);

		const result = await runAmpzero(['init', directory, '--clobber', '--batch'], {home: instance.home});
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		expect(result.stdout).toContain(`${userKey}, ${caKey} taken out of the repository`);
		expect(git(directory, 'ls-files', userKey, caKey)).toBe('');
		expect(await sha256(path.join(directory, userKey))).toBe(keySum);
		expect(await sha256(path.join(directory, caKey))).toBe(caKeySum);
		expect((await stat(path.join(directory, userKey))).mode & 0o777).toBe(0o600);
		expect((await stat(path.join(directory, caKey))).mode & 0o777).toBe(0o600);
		expect(git(directory, 'status', '--porcelain')).toBe('');
		// Once out, a second --clobber has nothing more to do about it.
		const again = await runAmpzero(['init', directory, '--clobber', '--batch'], {home: instance.home});
		expect(again.code).toBe(0);
		expect(again.stdout).not.toContain('taken out of the repository');
	});

	it('refuses without --clobber (exit 1) and touches nothing', async () => {
		instance = await makeTestInstance();
		const before = await snapshotTree(instance.directory);
		const result = await runAmpzero(['init', instance.directory, '--batch', '--amprun-root', path.join(instance.root, 'var')], {home: instance.home});
		expect(result.code).toBe(1);
		expect(result.stderr).toContain(`${instance.directory} already exists`);
		expect(result.stderr).toContain('--clobber');
		expect(await snapshotTree(instance.directory)).toEqual(before);
	});

	it('--clobber keeps the six keys byte for byte and your own files, regenerates the generated ones, and commits', async () => {
		instance = await makeTestInstance();
		const {directory} = instance;
		const keys = keyFiles(instance);
		const keySums = await Promise.all(keys.map(file => sha256(path.join(directory, file))));
		const certificateSum = await sha256(path.join(directory, 'nginx/server.cert'));
		await writeFile(path.join(directory, 'ampnode/services/mine.js'), 'export default function register() {}\n');
		await writeFile(path.join(directory, 'notes.txt'), 'my notes\n');
		await rm(path.join(directory, 'nginx/www/upgrading.html'));
		await rm(path.join(directory, 'zerodata/lib'));
		await writeFile(path.join(directory, 'ampnode/ampnode.yaml'), 'edited: by hand\n');

		const result = await runAmpzero(['init', directory, '--clobber', '--batch', '--title', 'Renamed'], {home: instance.home});
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);

		expect(await Promise.all(keys.map(file => sha256(path.join(directory, file))))).toEqual(keySums);
		expect(await sha256(path.join(directory, 'nginx/server.cert'))).toBe(certificateSum);
		expect(await readFile(path.join(directory, 'ampnode/services/mine.js'), 'utf8')).toBe('export default function register() {}\n');
		expect(await readFile(path.join(directory, 'notes.txt'), 'utf8')).toBe('my notes\n');
		expect(await readFile(path.join(directory, 'nginx/www/upgrading.html'), 'utf8')).toContain('is being upgraded');
		expect(await readlink(path.join(directory, 'zerodata/lib'))).toMatch(/source\/daemons\/zerodata$/);
		expect(await readFile(path.join(directory, 'ampnode/ampnode.yaml'), 'utf8')).toContain('services/hello.js');

		const config = await loadInstanceConfig(directory);
		expect(config.title).toBe('Renamed');
		expect(config.userId).toBe(instance.config.userId);
		expect(config.hostId).toBe(instance.config.hostId);
		expect(config.redisPassword).toBe(instance.config.redisPassword);
		expect(config.amprunRoot).toBe(instance.config.amprunRoot);
		expect(config.ports).toEqual(instance.config.ports);

		expect(git(directory, 'log', '--format=%s').split('\n')).toEqual(['Regenerate instance files (ampzero init --clobber)', 'Create instance demo']);
		expect(git(directory, 'show', '--name-only', '--format=', 'HEAD').split('\n').sort()).toEqual(['README.md', 'amprun.yaml', 'nginx/www/index.html', 'nginx/www/upgrading.html'].sort());
		// Your own files are left for you to commit.
		expect(git(directory, 'status', '--porcelain').split('\n').sort()).toEqual(['?? ampnode/services/mine.js', '?? notes.txt']);
	});

	it('--clobber with nothing changed makes no commit', async () => {
		instance = await makeTestInstance();
		const result = await runAmpzero(['init', instance.directory, '--clobber', '--batch'], {home: instance.home});
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('✓ git: nothing changed');
		expect(git(instance.directory, 'rev-list', '--count', 'HEAD')).toBe('1');
	});
});

describe('ampzero init refusing bad answers', () => {
	let root: string;

	beforeAll(async () => {
		root = await mkdtemp(path.join(os.tmpdir(), 'ampzero-init-'));
	});

	afterAll(async () => {
		await rm(root, {recursive: true, force: true});
	});

	const init = (...args: string[]) => runAmpzero(['init', path.join(root, 'demo'), '--batch', '--amprun-root', path.join(root, 'var'), ...args], {home: path.join(root, 'home')});

	it('exits 2 with one line per field for bad flag values, and makes nothing', async () => {
		const result = await init('--frontend-port', '99999', '--redis-data-port', '8044', '--hub', 'ftp://hub', '--user-name', 'a/b');
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('ports.frontend (--frontend-port): frontend HTTPS port: 99999 is not a port; use 1 to 65535');
		expect(result.stderr).toContain('ports.redisData (--redis-data-port): port 8044 is already the redis live port');
		expect(result.stderr).toContain('hub (--hub): the hub URL must start with http:// or https://');
		expect(result.stderr).toContain('userName (--user-name): the user name cannot contain a slash');
		expect(await readdir(root)).toEqual([]);
	});

	it('exits 2 for a port that is not a number, a relative amprun root, an unknown setup, an unknown flag', async () => {
		expect((await init('--logstore-port', 'abc')).stderr).toContain("ports.logstore (--logstore-port): logstore port: 'abc' is not a number; use 1 to 65535");
		const relative = await runAmpzero(['init', path.join(root, 'demo'), '--batch', '--amprun-root', 'var'], {home: path.join(root, 'home')});
		expect(relative.code).toBe(2);
		expect(relative.stderr).toContain('amprunRoot (--amprun-root): the amprun root must be an absolute path');
		expect((await init('--setup', 'cluster')).code).toBe(2);
		const unknown = await init('--frontend-prot', '1');
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain("unknown option '--frontend-prot'");
		expect(await readdir(root)).toEqual([]);
	});

	it('reads --answers FILE, lets flags win over it, and names file:line for bad YAML', async () => {
		const answers = path.join(root, 'answers.yaml');
		await writeFile(answers, 'title: From the file\nhost_name: example.org\n');
		const good = await init('--answers', answers, '--host-name', 'flag.example.org', '--json');
		expect(good.stderr).toBe('');
		expect(good.code).toBe(0);
		const config = await loadInstanceConfig(path.join(root, 'demo'));
		expect(config.title).toBe('From the file');
		expect(config.hostName).toBe('flag.example.org');
		await rm(path.join(root, 'demo'), {recursive: true});

		await writeFile(answers, 'title: ok\nports: [unclosed\n');
		const bad = await init('--answers', answers);
		expect(bad.code).toBe(2);
		expect(bad.stderr).toMatch(new RegExp(`${answers.replaceAll('.', '\\.')}:\\d+: `));
		await rm(answers);
		expect((await readdir(root)).filter(name => name !== 'home' && name !== 'var')).toEqual([]);
	});

	it('prints the sudo commands and exits 1 when the amprun root cannot be made', async () => {
		const blocker = path.join(root, 'blocker');
		await writeFile(blocker, 'a file where a directory should be\n');
		const result = await runAmpzero(['init', path.join(root, 'demo'), '--batch', '--amprun-root', path.join(blocker, 'var')], {home: path.join(root, 'home')});
		expect(result.code).toBe(1);
		expect(result.stderr).toContain(`sudo mkdir -p ${path.join(blocker, 'var')} && sudo chown `);
		expect(await readdir(root)).not.toContain('demo');
		await rm(blocker);
	});

	it('--json prints one JSON line per event, then the summary', async () => {
		const result = await init('--json');
		expect(result.code).toBe(0);
		const lines = result.stdout.trim().split('\n').map(line => JSON.parse(line) as Record<string, unknown>);
		expect(lines.filter(line => line['type'] === 'step-done').map(line => line['step'])).toEqual(['check', 'hub', 'keys', 'files', 'certificate', 'git', 'place']);
		const summary = lines.at(-1)!;
		expect(summary).toMatchObject({name: 'demo', path: path.join(root, 'demo'), hub: 'embedded'});
		const config = await loadInstanceConfig(path.join(root, 'demo'));
		expect(summary['userId']).toBe(config.userId);
		expect(summary['hostId']).toBe(config.hostId);
		expect(summary['ports']).toEqual(config.ports);
		await rm(path.join(root, 'demo'), {recursive: true});
	});

	it('makes the parent directory of a new instance if it is missing', async () => {
		const result = await runAmpzero(['init', path.join(root, 'deeper/still/demo'), '--batch', '--amprun-root', path.join(root, 'var')], {home: path.join(root, 'home')});
		expect(result.code).toBe(0);
		expect((await stat(path.join(root, 'deeper/still/demo/amprun.yaml'))).isFile()).toBe(true);
		await rm(path.join(root, 'deeper'), {recursive: true});
	});
});
