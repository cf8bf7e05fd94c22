import {cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, writeFile} from 'node:fs/promises';
import {existsSync} from 'node:fs';
import path from 'node:path';
import {AmpError} from '../errors.js';
import {ampzeroHome} from '../hub/open.js';
import {runProgram} from '../system/run-program.js';
import {sha256File} from './agent/receive.js';
import {treeManifest} from './agent/unpack.js';

/** Runs one building step (archive, build, production modules, tarball, patch), reporting it by name while it runs. */
export type BuildStep = <T>(what: string, work: () => Promise<T>) => Promise<T>;

const silently: BuildStep = (_what, work) => work();

/**
 * Files of the instance repository that never go into its release: the CA's key and the user's
 * private key (it signs the members file; never committed since, but an older instance may hold it)
 * stay on the machine that made them, and each host's TLS key goes to that host alone (sent on its own at set-up).
 */
function keptBackFromRelease(file: string): boolean {
	return file === 'tls/ca.key' || /^tls\/hosts\/[^/]+\.key$/.test(file) || /^ampnode\/user-\d+\.private\.key$/.test(file);
}

/** Bumped when what a cached release holds changes: an entry of another layout is built again. */
const cacheLayout = 3;

/** What to install when a program a release needs is missing. */
const installHint = (command: string): string => `install it with \`apt-get install -y ${command}\``;

/** A release as built on this machine and kept in the deploy cache. */
export interface BuiltRelease {
	/** `ampify-<10 hex>` or `instance-<10 hex>`. */
	name: string;
	commit: string;
	/** The uncompressed tarball: what patches are made against. */
	tarFile: string;
	tarSha256: string;
	/** The full tarball, zstd-compressed: what a host without a base receives. */
	fullFile: string;
	fullSha256: string;
	fullBytes: number;
	/** `treeManifest` of the unpacked release. */
	manifest: string;
	layout?: number;
}

export interface Patch {
	file: string;
	sha256: string;
	bytes: number;
	base: string;
}

/** `~/.ampzero/deploy-cache` (0700): built tarballs and patches between them, by release name. */
function deployCacheDirectory(): string {
	return path.join(ampzeroHome(), 'deploy-cache');
}

async function git(directory: string, args: string[]): Promise<string> {
	try {
		return await runProgram('git', ['-C', directory, ...args], {install: installHint('git')});
	} catch (error) {
		throw new AmpError(`git ${args.join(' ')} in ${directory} failed: ${error instanceof AmpError ? [error.message, ...error.details].join(': ') : String(error)}`);
	}
}

/** Refuses a work tree with changes or untracked files, naming them; returns HEAD's commit. */
export async function cleanHead(directory: string, what: string): Promise<string> {
	const status = await git(directory, ['status', '--porcelain', '--untracked-files=normal']);
	const dirty = status.split('\n').filter(Boolean).map(line => line.slice(3));
	if (dirty.length > 0) {
		throw new AmpError(`${what} has changes that are not committed (${directory}): commit them or \`git stash\` first`, 1, dirty.slice(0, 30).concat(dirty.length > 30 ? [`… and ${dirty.length - 30} more`] : []));
	}
	return (await git(directory, ['rev-parse', 'HEAD'])).trim();
}

async function runTool(command: string, args: string[], options: {cwd?: string} = {}): Promise<void> {
	await runProgram(command, args, {...options, install: installHint(command)});
}

/** The commit's tree, unpacked into `stage` (through a tarball beside it, removed after). */
async function gitArchiveInto(directory: string, commit: string, stage: string): Promise<void> {
	const tarball = `${stage}.git-archive.tar`;
	try {
		await git(directory, ['archive', '--format=tar', `--output=${tarball}`, commit]);
		await runTool('tar', ['-x', '-f', tarball, '-C', stage]);
	} finally {
		await rm(tarball, {force: true});
	}
}

/** A tarball whose bytes depend only on the tree: sorted names, one owner, one fixed time (so an unchanged file's header is unchanged and patches stay small). */
async function deterministicTar(stage: string, output: string): Promise<void> {
	await runTool('tar', ['--sort=name', '--mtime=@946684800', '--owner=0', '--group=0', '--numeric-owner', '--format=gnu', '-cf', output, '-C', stage, '.']);
}

/**
 * The production dependencies of the checkout, copied from its node_modules as package-lock.json
 * lists them (dev-only packages left out): the release runs without the npm registry.
 */
async function copyProductionModules(checkout: string, stage: string): Promise<void> {
	const lock = JSON.parse(await readFile(path.join(checkout, 'package-lock.json'), 'utf8')) as {packages: Record<string, {dev?: boolean; devOptional?: boolean}>};
	const keys = Object.entries(lock.packages)
		.filter(([key, entry]) => key.startsWith('node_modules/') && !entry.dev && !entry.devOptional)
		.map(([key]) => key)
		.sort();
	const copied: string[] = [];
	for (const key of keys) {
		if (copied.some(parent => key.startsWith(`${parent}/`))) continue;
		const source = path.join(checkout, key);
		if (!existsSync(source)) continue;
		await cp(source, path.join(stage, key), {recursive: true, verbatimSymlinks: true});
		copied.push(key);
	}
	if (existsSync(path.join(checkout, 'node_modules', '.bin'))) await mkdir(path.join(stage, 'node_modules', '.bin'), {recursive: true});
}

async function finishRelease(name: string, commit: string, stage: string, cache: string, step: BuildStep): Promise<BuiltRelease> {
	return step(`${name}: tarball`, () => packRelease(name, commit, stage, cache));
}

async function packRelease(name: string, commit: string, stage: string, cache: string): Promise<BuiltRelease> {
	const manifest = await treeManifest(stage);
	const tarFile = path.join(cache, `${name}.tar`);
	const building = `${tarFile}.${process.pid}.tmp`;
	await deterministicTar(stage, building);
	const fullBuilding = `${building}.zst`;
	await runTool('zstd', ['-q', '-f', '-T0', '-6', '--long=27', building, '-o', fullBuilding]);
	const release: BuiltRelease = {
		name,
		commit,
		tarFile,
		tarSha256: await sha256File(building),
		fullFile: `${tarFile}.zst`,
		fullSha256: await sha256File(fullBuilding),
		fullBytes: (await stat(fullBuilding)).size,
		manifest,
		layout: cacheLayout,
	};
	await rename(building, tarFile);
	await rename(fullBuilding, release.fullFile);
	await writeFile(path.join(cache, `${name}.json`), JSON.stringify(release), {mode: 0o600});
	return release;
}

async function cached(cache: string, name: string): Promise<BuiltRelease | undefined> {
	try {
		const release = JSON.parse(await readFile(path.join(cache, `${name}.json`), 'utf8')) as BuiltRelease;
		if (release.layout === cacheLayout && existsSync(release.tarFile) && existsSync(release.fullFile)) return release;
	} catch {
		// not built yet, or a cache entry from an older layout: build it again
	}
	return undefined;
}

async function prepareCache(cache: string): Promise<void> {
	await mkdir(cache, {recursive: true, mode: 0o700});
}

/**
 * The ampify release: `git archive` of the ampzero checkout at `commit`, its HEAD, built (`dist/`), with its
 * production node_modules for this machine's architecture and Node ABI (`dist/release.json` says which).
 */
export async function buildAmpifyRelease(checkout: string, commit: string, say: (line: string) => void = () => {}, cache = deployCacheDirectory(), step: BuildStep = silently): Promise<BuiltRelease> {
	const name = `ampify-${commit.slice(0, 10)}`;
	await prepareCache(cache);
	const hit = await cached(cache, name);
	if (hit) return hit;
	say(`building ${name} from ${checkout}`);
	const stage = await mkdtemp(path.join(cache, `.${name}-`));
	try {
		await step(`${name}: archive`, () => gitArchiveInto(checkout, commit, stage));
		await step(`${name}: build`, async () => {
			await symlink(path.join(checkout, 'node_modules'), path.join(stage, 'node_modules'));
			await runTool(process.execPath, [path.join(checkout, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(stage, 'tsconfig.json')], {cwd: stage});
			await rm(path.join(stage, 'node_modules'));
		});
		await step(`${name}: production modules`, () => copyProductionModules(checkout, stage));
		await writeFile(path.join(stage, 'dist', 'release.json'), `${JSON.stringify({commit, arch: process.arch, abi: process.versions.modules, node: process.version})}\n`);
		return await finishRelease(name, commit, stage, cache, step);
	} finally {
		await rm(stage, {recursive: true, force: true});
	}
}

/** The instance release: the instance repository at `commit`, its HEAD (control keys are never committed). */
export async function buildInstanceRelease(instanceDirectory: string, commit: string, cache = deployCacheDirectory(), step: BuildStep = silently): Promise<BuiltRelease> {
	const name = `instance-${commit.slice(0, 10)}`;
	await prepareCache(cache);
	const hit = await cached(cache, name);
	if (hit) return hit;
	const stage = await mkdtemp(path.join(cache, `.${name}-`));
	try {
		await step(`${name}: archive`, async () => {
			await gitArchiveInto(instanceDirectory, commit, stage);
			const keys = await readdir(path.join(stage, 'tls', 'hosts')).catch(() => [] as string[]);
			const ampnode = await readdir(path.join(stage, 'ampnode')).catch(() => [] as string[]);
			for (const file of ['tls/ca.key', ...keys.map(key => `tls/hosts/${key}`), ...ampnode.map(name => `ampnode/${name}`)]) if (keptBackFromRelease(file)) await rm(path.join(stage, file), {force: true});
		});
		return await finishRelease(name, commit, stage, cache, step);
	} finally {
		await rm(stage, {recursive: true, force: true});
	}
}

const patchesMade = new Map<string, Promise<Patch>>();

/** A zstd patch turning `base`'s tarball into `release`'s, made once (however many hosts ask at once) and kept in the cache. */
export function patchBetween(base: BuiltRelease, release: BuiltRelease, cache = deployCacheDirectory()): Promise<Patch> {
	const file = path.join(cache, `${base.name}--${release.name}.patch.zst`);
	let made = patchesMade.get(file);
	if (!made) {
		made = makePatch(base, release, file);
		patchesMade.set(file, made);
		made.catch(() => patchesMade.delete(file));
	}
	return made;
}

async function makePatch(base: BuiltRelease, release: BuiltRelease, file: string): Promise<Patch> {
	if (!existsSync(file)) {
		const building = `${file}.${process.pid}.${Date.now()}.tmp`;
		await runTool('zstd', ['-q', '-f', '-T0', '-3', '--long=31', `--patch-from=${base.tarFile}`, release.tarFile, '-o', building]);
		await rename(building, file);
	}
	return {file, sha256: await sha256File(file), bytes: (await stat(file)).size, base: base.name};
}

/** A release this machine built before (its tarball is still in the cache), by name. */
export function cachedRelease(name: string, cache = deployCacheDirectory()): Promise<BuiltRelease | undefined> {
	return cached(cache, name);
}
