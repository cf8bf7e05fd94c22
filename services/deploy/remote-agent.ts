/**
 * The deploy's hands on a host. `ampzero deploy` copies this module's bundle (one file that the build
 * makes of it and the few project modules it imports, which use only Node's own modules, so a bare
 * host with Node 20 runs it: bin/bundle.mjs) to `<root>/var/deploy/agent-<hash>.mjs` and
 * runs `node agent.mjs <step> '<json>'` over the SSH exec channel for every remote step. Each run
 * prints JSON lines: `{"line": …}` for output worth showing, and one `{"result": …}` or
 * `{"error": …}` last. The same functions are tested locally against a temp root.
 */
import {spawn} from 'node:child_process';
import {createHash, randomBytes} from 'node:crypto';
import {appendFileSync, chmodSync, createReadStream, createWriteStream, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
import {hostname} from 'node:os';
import path from 'node:path';
import {pipeline} from 'node:stream/promises';
import {fileURLToPath} from 'node:url';
import {eachLine} from './stream-lines.js';

export interface LockRecord {
	deployId: string;
	/** Who deploys: `user@machine`. */
	who: string;
	/** The machine running the deploy and the pid of its ampzero there. */
	host: string;
	pid: number;
	/** ISO time the lock was taken. */
	when: string;
	/** `ampify-<hash> instance-<hash>` being deployed. */
	version: string;
	/** `maintenance`: held by `ampzero fleet NAME maintenance on` until `… off`, whatever becomes of its process. */
	kind?: 'deploy' | 'maintenance';
}

export interface CurrentRecord {
	ampify: string;
	instance: string;
}

export interface HostStatus {
	current?: CurrentRecord;
	previous?: CurrentRecord;
	lock?: LockRecord;
	/** Release directories under dist/. */
	releases: string[];
	/** Tarballs kept under dist/patches/ (bases for the next patch). */
	tarballs: string[];
	arch: string;
	abi: string;
	hostName: string;
	/** Whether `<root>/var/<name>/supervisor.pid` names a live process. */
	running?: boolean;
}

type Say = (line: string) => void;
const noSay: Say = () => {};

export function distDirectory(root: string): string {
	return path.join(root, 'dist');
}

function patchesDirectory(root: string): string {
	return path.join(root, 'dist', 'patches');
}

/** Writes a file so that a reader sees the old content or the new, never half of it. */
export function writeAtomically(file: string, content: string, mode = 0o644): void {
	const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
	writeFileSync(temporary, content, {mode});
	renameSync(temporary, file);
}

function readCurrent(file: string): CurrentRecord | undefined {
	try {
		const [ampify, instance] = readFileSync(file, 'utf8').split('\n');
		return ampify && instance ? {ampify, instance} : undefined;
	} catch {
		return undefined;
	}
}

function formatCurrent(record: CurrentRecord): string {
	return `${record.ampify}\n${record.instance}\n`;
}

function lockFile(root: string): string {
	return path.join(distDirectory(root), 'lock-file');
}

export function readLock(root: string): LockRecord | undefined {
	try {
		return JSON.parse(readFileSync(lockFile(root), 'utf8')) as LockRecord;
	} catch {
		return undefined;
	}
}

export function hostStatus(root: string, name?: string): HostStatus {
	const dist = distDirectory(root);
	let entries: string[] = [];
	try {
		entries = readdirSync(dist);
	} catch {
		// no dist yet: a first deploy
	}
	let tarballs: string[] = [];
	try {
		tarballs = readdirSync(patchesDirectory(root)).filter(entry => entry.endsWith('.tar')).map(entry => entry.slice(0, -4));
	} catch {
		// no patches directory yet
	}
	const current = readCurrent(path.join(dist, '.current'));
	const previous = readCurrent(path.join(dist, '.previous'));
	const lock = readLock(root);
	let running: boolean | undefined;
	if (name) {
		try {
			const pid = Number(readFileSync(path.join(root, 'var', name, 'supervisor.pid'), 'utf8').split('\n')[0]);
			running = pid > 0 && processAlive(pid);
		} catch {
			running = false;
		}
	}
	return {
		...(current ? {current} : {}),
		...(previous ? {previous} : {}),
		...(lock ? {lock} : {}),
		releases: entries.filter(entry => /^(ampify|instance)-[0-9a-f]{10}$/.test(entry)).sort(),
		tarballs: tarballs.sort(),
		arch: process.arch,
		abi: process.versions.modules,
		hostName: hostname(),
		...(running === undefined ? {} : {running}),
	};
}

function processAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/**
 * Takes the lock-file atomically: the record is written whole to a temp file, then hard-linked
 * as `lock-file`, which fails if any lock exists. With `force` an existing lock is removed first.
 */
export function takeLock(root: string, record: LockRecord, force = false): {taken: true} | {taken: false; holder?: LockRecord} {
	// The root and dist/ hold no secret (the instance release does, in a directory of its own): run as
	// root, ampzero's daemons run as an unprivileged user, who must pass through them.
	mkdirSync(distDirectory(root), {recursive: true, mode: 0o755});
	mkdirSync(patchesDirectory(root), {recursive: true, mode: 0o700});
	mkdirSync(path.join(root, 'var'), {recursive: true, mode: 0o755});
	const file = lockFile(root);
	if (force) rmSync(file, {force: true});
	const temporary = `${file}.${process.pid}.tmp`;
	writeFileSync(temporary, `${JSON.stringify(record)}\n`, {mode: 0o644});
	try {
		linkSync(temporary, file);
		return {taken: true};
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
		const holder = readLock(root);
		return holder ? {taken: false, holder} : {taken: false};
	} finally {
		rmSync(temporary, {force: true});
	}
}

/** Removes the lock if this deploy holds it. */
export function releaseLock(root: string, deployId: string): boolean {
	const holder = readLock(root);
	if (!holder || holder.deployId !== deployId) return false;
	rmSync(lockFile(root), {force: true});
	return true;
}

export function sha256File(file: string): Promise<string> {
	return new Promise((resolve, reject) => {
		const hash = createHash('sha256');
		createReadStream(file)
			.on('data', chunk => hash.update(chunk))
			.on('error', reject)
			.on('end', () => resolve(hash.digest('hex')));
	});
}

/** Receives stdin into `patches/<file>.part`. */
export async function receive(root: string, file: string, input: NodeJS.ReadableStream): Promise<{bytes: number}> {
	const directory = patchesDirectory(root);
	mkdirSync(directory, {recursive: true, mode: 0o700});
	const part = path.join(directory, `${safeName(file)}.part`);
	await pipeline(input, createWriteStream(part, {mode: 0o600}));
	return {bytes: statSync(part).size};
}

/** Checks `patches/<file>.part` against its sha256; keeps it as `patches/<file>` when it matches, removes it when not. */
export async function verifyReceived(root: string, file: string, sha256: string): Promise<{ok: boolean; actual: string}> {
	const part = path.join(patchesDirectory(root), `${safeName(file)}.part`);
	const actual = await sha256File(part);
	if (actual !== sha256) {
		rmSync(part, {force: true});
		return {ok: false, actual};
	}
	renameSync(part, path.join(patchesDirectory(root), safeName(file)));
	return {ok: true, actual};
}

function safeName(name: string): string {
	if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.')) throw new Error(`bad file name ${JSON.stringify(name)}`);
	return name;
}

/**
 * Runs a program to its end (zstd, tar, nginx -t …). child_process and not execa as elsewhere:
 * this file must run on a host that has Node and nothing of ampzero's. `detached`: it leaves a
 * daemon behind, so no pipes are given that the daemon would hold open.
 */
function run(command: string, args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv; say?: Say; timeoutMs?: number; detached?: boolean} = {}): Promise<void> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, {cwd: options.cwd, env: options.env ?? process.env, stdio: options.detached ? 'ignore' : ['ignore', 'pipe', 'pipe']});
		const say = options.say ?? noSay;
		const tail: string[] = [];
		const onLine = (line: string): void => {
			if (line.trim() === '') return;
			say(line);
			tail.push(line);
			if (tail.length > 20) tail.shift();
		};
		eachLine(child.stdout, onLine);
		eachLine(child.stderr, onLine);
		const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
		child.on('error', error => {
			if (timer) clearTimeout(timer);
			reject(new Error(`${command}: ${error.message}`));
		});
		child.on(options.detached ? 'exit' : 'close', (code, signal) => {
			if (timer) clearTimeout(timer);
			if (code === 0) resolve();
			else reject(new Error(`${path.basename(command)} ${args.slice(0, 2).join(' ')} exited ${signal ?? code}${tail.length > 0 ? `: ${tail.slice(-3).join(' | ')}` : ''}`));
		});
	});
}

/** Runs one of the release's `ampzero remote` steps, which prints one JSON line; its stderr lines are passed on. */
function runForJson<T>(command: string, args: string[], options: {env?: NodeJS.ProcessEnv; say?: Say; timeoutMs?: number}): Promise<T> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, {env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe']});
		const say = options.say ?? noSay;
		let last = '';
		const tail: string[] = [];
		eachLine(child.stdout, line => {
			if (line.trim() !== '') last = line.trim();
		});
		eachLine(child.stderr, line => {
			if (line.trim() === '') return;
			say(line);
			tail.push(line);
			if (tail.length > 5) tail.shift();
		});
		const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
		child.on('error', error => {
			if (timer) clearTimeout(timer);
			reject(new Error(`${command}: ${error.message}`));
		});
		child.on('close', (code, signal) => {
			if (timer) clearTimeout(timer);
			if (code !== 0) {
				reject(new Error(`ampzero ${args.slice(1, 3).join(' ')} exited ${signal ?? code}${tail.length > 0 ? `: ${tail.slice(-3).join(' | ')}` : ''}`));
				return;
			}
			try {
				resolve(JSON.parse(last) as T);
			} catch {
				reject(new Error(`ampzero ${args.slice(1, 3).join(' ')} printed no JSON: ${last.slice(0, 200)}`));
			}
		});
	});
}

export interface UnpackRequest {
	release: string;
	/** The received file under patches/, or none when the tarball is already there. */
	file?: string;
	kind: 'patch' | 'full' | 'present';
	/** For a patch: the release whose tarball the patch applies to. */
	base?: string;
	/** sha256 of the release's uncompressed tarball. */
	tarSha256: string;
}

/**
 * Rebuilds the release tarball (patch applied to the base, or the full one decompressed), checks its
 * sha256 a second time, and unpacks it into `dist/<release>` through a temp directory and a rename.
 */
export async function unpack(root: string, request: UnpackRequest, say: Say = noSay): Promise<{unpacked: boolean; tarballMade: boolean}> {
	const dist = distDirectory(root);
	const patches = patchesDirectory(root);
	const release = safeName(request.release);
	const tarball = path.join(patches, `${release}.tar`);
	const tarballMade = request.kind !== 'present' && !existsSync(tarball);
	if (request.kind !== 'present') {
		const input = path.join(patches, safeName(request.file ?? ''));
		const building = `${tarball}.${process.pid}.tmp`;
		const args = ['-d', '-q', '-f', '--long=31', input, '-o', building];
		if (request.kind === 'patch') args.splice(3, 0, `--patch-from=${path.join(patches, `${safeName(request.base ?? '')}.tar`)}`);
		try {
			await run('zstd', args, {say});
			const actual = await sha256File(building);
			if (actual !== request.tarSha256) throw new Error(`${release}.tar rebuilt from ${request.file} has sha256 ${actual.slice(0, 12)}…, expected ${request.tarSha256.slice(0, 12)}…`);
			renameSync(building, tarball);
		} finally {
			rmSync(building, {force: true});
			rmSync(input, {force: true});
		}
	} else if ((await sha256File(tarball)) !== request.tarSha256) {
		throw new Error(`${release}.tar on this host does not match its sha256`);
	}
	const target = path.join(dist, release);
	if (existsSync(target)) return {unpacked: false, tarballMade};
	const temporary = path.join(dist, `.${release}.${process.pid}.unpacking`);
	rmSync(temporary, {recursive: true, force: true});
	// ampzero's own code is readable by the daemons' user; the instance (keys, passwords) stays
	// the owner's until `ampzero run` lets that user's group in.
	const mode = release.startsWith('ampify-') ? 0o755 : 0o700;
	mkdirSync(temporary, {mode});
	try {
		await run('tar', ['-x', '--no-same-owner', '-f', tarball, '-C', temporary], {say});
		// The tarball's own `./` entry carries the mode of the directory it was built in.
		chmodSync(temporary, mode);
		renameSync(temporary, target);
	} catch (error) {
		rmSync(temporary, {recursive: true, force: true});
		throw error;
	}
	return {unpacked: true, tarballMade};
}

/** Lines `<kind> <sha256 or link target> <path>`, sorted: what a tree holds, independent of modes and times. */
export async function treeManifest(directory: string): Promise<string> {
	const lines: string[] = [];
	const walk = async (relative: string): Promise<void> => {
		const entries = readdirSync(path.join(directory, relative), {withFileTypes: true});
		for (const entry of entries) {
			const child = relative ? `${relative}/${entry.name}` : entry.name;
			const full = path.join(directory, child);
			if (entry.isSymbolicLink()) lines.push(`l ${readlinkSync(full)} ${child}`);
			else if (entry.isDirectory()) await walk(child);
			else if (entry.isFile()) lines.push(`f ${await sha256File(full)} ${child}`);
		}
	};
	await walk('');
	return lines.sort().map(line => `${line}\n`).join('');
}

/** Compares an unpacked release with the manifest made where it was built; returns the paths that differ. */
export async function verifyTree(root: string, release: string, expected: string): Promise<{ok: boolean; differences: string[]}> {
	const actual = await treeManifest(path.join(distDirectory(root), safeName(release)));
	if (actual === expected) return {ok: true, differences: []};
	const want = new Set(expected.split('\n').filter(Boolean));
	const have = new Set(actual.split('\n').filter(Boolean));
	const pathOf = (line: string): string => line.slice(line.indexOf(' ', 2) + 1);
	const differences = [...new Set([...[...want].filter(line => !have.has(line)), ...[...have].filter(line => !want.has(line))].map(pathOf))].sort();
	return {ok: false, differences: differences.slice(0, 20)};
}

/** Points `name` at `target` by renaming a fresh symlink over it: there is never a moment without one. */
export function switchSymlink(directory: string, name: string, target: string): void {
	const temporary = path.join(directory, `.${name}.${process.pid}.link`);
	rmSync(temporary, {force: true});
	symlinkSync(target, temporary);
	renameSync(temporary, path.join(directory, name));
}

/** Switches `ampify`, `instance`, `.current` and `.previous`; each change is one rename. `to` null: a host that had no release before goes back to none. */
export function switchRelease(root: string, to: CurrentRecord | null, previous: CurrentRecord | null | undefined): void {
	const dist = distDirectory(root);
	if (to === null) {
		for (const entry of ['.current', 'ampify', 'instance']) rmSync(path.join(dist, entry), {force: true});
		if (previous) writeAtomically(path.join(dist, '.previous'), formatCurrent(previous));
		return;
	}
	for (const release of [to.ampify, to.instance]) if (!existsSync(path.join(dist, safeName(release)))) throw new Error(`${release} is not on this host`);
	if (previous) writeAtomically(path.join(dist, '.previous'), formatCurrent(previous));
	else rmSync(path.join(dist, '.previous'), {force: true});
	switchSymlink(dist, 'ampify', to.ampify);
	switchSymlink(dist, 'instance', to.instance);
	writeAtomically(path.join(dist, '.current'), formatCurrent(to));
}

/** Release directories that a running daemon of the instance was started from (a daemon a deploy kept running may be older than the previous release). */
function releasesInUse(root: string, name: string | undefined): string[] {
	if (!name) return [];
	const pids = path.join(root, 'var', name, 'pids');
	const used: string[] = [];
	for (const entry of safeList(pids)) {
		try {
			const [pidLine, , argvLine] = readFileSync(path.join(pids, entry), 'utf8').split('\n');
			if (!processAlive(Number(pidLine))) continue;
			for (const match of (argvLine ?? '').matchAll(/\/((?:ampify|instance)-[0-9a-f]{10})(?=\/|")/g)) used.push(match[1]!);
		} catch {
			// gone meanwhile
		}
	}
	return used;
}

/** Removes every release, tarball and received file not named in `keep`, but releases a running daemon was started from. */
export function cleanUp(root: string, keep: string[], name?: string): {removed: string[]} {
	const dist = distDirectory(root);
	const patches = patchesDirectory(root);
	const wanted = new Set([...keep, ...releasesInUse(root, name)]);
	const removed: string[] = [];
	for (const entry of safeList(dist)) {
		const release = /^(ampify|instance)-[0-9a-f]{10}$/.test(entry) ? entry : /^\.((?:ampify|instance)-[0-9a-f]{10})\.\d+\.unpacking$/.exec(entry)?.[1];
		if (release === undefined || (wanted.has(release) && release === entry)) continue;
		rmSync(path.join(dist, entry), {recursive: true, force: true});
		removed.push(entry);
	}
	for (const entry of safeList(patches)) {
		if (entry.endsWith('.tar') && wanted.has(entry.slice(0, -4))) continue;
		rmSync(path.join(patches, entry), {recursive: true, force: true});
		removed.push(`patches/${entry}`);
	}
	return {removed};
}

/** What one deploy made on a host: release directories it unpacked, tarballs it rebuilt, files it received (names under patches/). */
export interface MadeByDeploy {
	releases: string[];
	tarballs: string[];
	files: string[];
}

/**
 * Removes what this deploy made for releases that did not go live, and nothing else: another deploy's
 * files in flight, and releases that are current or previous, are left alone.
 */
export function discard(root: string, made: MadeByDeploy): {removed: string[]} {
	const dist = distDirectory(root);
	const patches = patchesDirectory(root);
	const current = readCurrent(path.join(dist, '.current'));
	const previous = readCurrent(path.join(dist, '.previous'));
	const live = new Set([current?.ampify, current?.instance, previous?.ampify, previous?.instance]);
	const removed: string[] = [];
	const remove = (entry: string): void => {
		if (!existsSync(entry)) return;
		rmSync(entry, {recursive: true, force: true});
		removed.push(path.relative(dist, entry));
	};
	for (const release of made.releases) if (!live.has(release)) remove(path.join(dist, safeName(release)));
	for (const release of made.tarballs) if (!live.has(release)) remove(path.join(patches, `${safeName(release)}.tar`));
	for (const file of made.files) {
		remove(path.join(patches, safeName(file)));
		remove(path.join(patches, `${safeName(file)}.part`));
	}
	return {removed};
}

function safeList(directory: string): string[] {
	try {
		return readdirSync(directory);
	} catch {
		return [];
	}
}

// --- the instance's daemons and nginx on the host -------------------------------------------------

export interface InstanceOnHost {
	root: string;
	/** The instance's name (amprun.yaml instance_name): its run files live in `<root>/var/<name>/`. */
	name: string;
	setup: 'single' | 'server';
	/** The instance's hub setting: an embedded hub lives on the deploying machine, so the host does not announce. */
	embeddedHub: boolean;
	timeoutMs: number;
	/** The entry of amprun.yaml `hosts:` this host is (`run --as`); absent for a single-machine instance. */
	as?: string;
}

function runDirectory(target: InstanceOnHost): string {
	return path.join(target.root, 'var', target.name);
}

export function placeholderFlag(target: Pick<InstanceOnHost, 'root' | 'name'>): string {
	return path.join(target.root, 'var', target.name, 'upgrading');
}

export function placeholder(target: InstanceOnHost, on: boolean): void {
	const flag = placeholderFlag(target);
	if (on) {
		mkdirSync(path.dirname(flag), {recursive: true, mode: 0o700});
		writeFileSync(flag, `${new Date().toISOString()}\n`);
	} else rmSync(flag, {force: true});
}

function ampzeroOf(target: InstanceOnHost): string {
	return path.join(distDirectory(target.root), 'ampify', 'bin', 'ampzero');
}

function instanceOf(target: InstanceOnHost): string {
	return path.join(distDirectory(target.root), 'instance');
}

/** The nginx config this host's frontend runs with: its own (`nginx/nginx-HOST.conf`) on a host of `hosts:`. */
function nginxConfigOf(target: InstanceOnHost): string {
	return path.join(instanceOf(target), 'nginx', target.as ? `nginx-${target.as}.conf` : 'nginx.conf');
}

/** The environment of `ampzero run` on this host: non-interactive, and which host of `hosts:` it is. */
function runEnvironment(target: InstanceOnHost, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
	return {...process.env, CI: 'true', ...(target.as ? {AMPZERO_HOST: target.as} : {}), ...extra};
}

function findNginx(): string {
	for (const candidate of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) if (existsSync(candidate)) return candidate;
	return 'nginx';
}

/** The nginx that holds the frontend while the instance's own nginx is down: its prefix and pid file. */
function bridgePaths(target: InstanceOnHost): {prefix: string; pidFile: string} {
	const prefix = path.join(runDirectory(target), 'nginx-bridge');
	return {prefix, pidFile: path.join(prefix, 'nginx.pid')};
}

function readPid(file: string): number | undefined {
	try {
		const pid = Number(readFileSync(file, 'utf8').trim().split('\n')[0]);
		return pid > 0 && processAlive(pid) ? pid : undefined;
	} catch {
		return undefined;
	}
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await new Promise(resolve => setTimeout(resolve, 25));
	}
}

function supervisorRunning(target: InstanceOnHost): boolean {
	return readPid(path.join(runDirectory(target), 'supervisor.pid')) !== undefined;
}

/** A daemon that keeps state, as the release about to run compares with what runs (see `ampzero remote daemons`). */
interface StatefulDaemon {
	name: string;
	label: string;
	check: 'adoptable' | 'changed' | 'not-running';
	pid?: number;
	fingerprinted: boolean;
}

/** What stop-old did with the daemons that keep state: kept running, or stopped to be started anew. */
export interface StopOldResult {
	stopped: boolean;
	bridge?: number;
	/** What became of each daemon that keeps state: kept running for the new supervisor to adopt, stopped to start anew, or kept to be restarted later. */
	daemons?: Array<{name: string; label: string; fate: 'kept' | 'restarted' | 'restart-later'; pid?: number}>;
	/** This host's keyspace member changed: it keeps running now, and the deploy restarts it later, one host at a time. */
	rollKeyspace?: boolean;
}

/**
 * Which daemons that keep state go on running across the switch to `to`: those the release runs
 * exactly as they run now (the release's own ampzero compares their fingerprints). A keyspace member
 * of a three-member cluster whose config changed keeps running too: the deploy restarts it later, one
 * host at a time, so that the cluster keeps its quorum.
 */
async function plannedKeep(target: InstanceOnHost, to: CurrentRecord, say: Say): Promise<{keep: StatefulDaemon[]; restart: StatefulDaemon[]; rollKeyspace: boolean}> {
	const dist = distDirectory(target.root);
	const ampify = path.join(dist, safeName(to.ampify), 'bin', 'ampzero');
	const args = [ampify, 'remote', 'daemons', path.join(dist, safeName(to.instance)), '--lives-at', instanceOf(target), ...(target.setup === 'server' ? ['--server'] : [])];
	let daemons: StatefulDaemon[];
	try {
		({daemons} = await runForJson<{daemons: StatefulDaemon[]}>(process.execPath, args, {say, timeoutMs: target.timeoutMs, env: runEnvironment(target)}));
	} catch (error) {
		// A release from before fingerprints cannot say: everything stops and starts, as it did then.
		say(`cannot compare the daemons that keep state with ${to.ampify} (${error instanceof Error ? error.message : String(error)}): every daemon restarts`);
		return {keep: [], restart: [], rollKeyspace: false};
	}
	const keep: StatefulDaemon[] = [];
	const restart: StatefulDaemon[] = [];
	let rollKeyspace = false;
	for (const daemon of daemons) {
		if (daemon.check === 'adoptable') keep.push(daemon);
		else if (daemon.check === 'changed' && daemon.name === 'keyspace' && target.as && daemon.fingerprinted) {
			keep.push(daemon);
			rollKeyspace = true;
		} else if (daemon.check === 'changed') restart.push(daemon);
	}
	return {keep, restart, rollKeyspace};
}

/**
 * Stops the running release but keeps the frontend answering: a second nginx (the bridge, same
 * config, listening with reuseport beside the instance's own) takes over the placeholder page,
 * then `ampzero run … stop` of the current release stops every daemon, its nginx included, but
 * the daemons that keep state and that the release `to` runs unchanged: they go on serving, and
 * the new release's supervisor adopts them.
 */
export async function stopOld(target: InstanceOnHost, say: Say = noSay, to?: CurrentRecord): Promise<StopOldResult> {
	if (!existsSync(path.join(distDirectory(target.root), '.current'))) return {stopped: false};
	let bridge: number | undefined;
	if (supervisorRunning(target)) bridge = await startBridge(target, say);
	const plan = to ? await plannedKeep(target, to, say) : {keep: [], restart: [], rollKeyspace: false};
	const keep = plan.keep.map(daemon => daemon.name);
	await run(process.execPath, [ampzeroOf(target), 'run', instanceOf(target), 'stop', '--batch', ...(keep.length > 0 ? ['--keep', keep.join(',')] : [])], {say, timeoutMs: target.timeoutMs, env: runEnvironment(target)});
	return {
		stopped: true,
		...(bridge ? {bridge} : {}),
		daemons: [
			...plan.keep.map(daemon => ({name: daemon.name, label: daemon.label, fate: daemon.check === 'adoptable' ? ('kept' as const) : ('restart-later' as const), ...(daemon.pid === undefined ? {} : {pid: daemon.pid})})),
			...plan.restart.map(daemon => ({name: daemon.name, label: daemon.label, fate: 'restarted' as const})),
		],
		...(plan.rollKeyspace ? {rollKeyspace: true} : {}),
	};
}

/**
 * Run as root, the bridge's workers run as the user `ampzero run` gives every daemon (`ampzero`,
 * else `nobody`), which can read the instance's pages and flag file; only the master stays root.
 */
function workerUser(): string[] {
	if (process.getuid?.() !== 0) return [];
	const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').map(line => line.split(':'));
	const groups = readFileSync('/etc/group', 'utf8').split('\n').map(line => line.split(':'));
	for (const name of ['ampzero', 'nobody']) {
		const entry = passwd.find(fields => fields[0] === name);
		if (!entry) continue;
		const group = groups.find(fields => fields[2] === entry[3])?.[0] ?? entry[3];
		return ['-g', `user ${name} ${group};`];
	}
	return [];
}

async function startBridge(target: InstanceOnHost, say: Say): Promise<number> {
	const {prefix, pidFile} = bridgePaths(target);
	const running = readPid(pidFile);
	if (running) return running;
	mkdirSync(prefix, {recursive: true, mode: 0o711}); // the workers (not root) pass through to their temp directories
	// nginx daemonizes itself here; its log goes to a file, not to pipes it would keep open.
	const errorLog = path.join(prefix, 'error.log');
	await run(findNginx(), ['-p', `${prefix}/`, '-e', errorLog, '-c', nginxConfigOf(target), ...workerUser()], {say, timeoutMs: 10_000, detached: true});
	await waitFor(() => readPid(pidFile) !== undefined, 10_000, 'the bridge nginx to write its pid file');
	const pid = readPid(pidFile)!;
	say(`bridge nginx ${pid} holds the frontend`);
	return pid;
}

/**
 * After the switch: `nginx -t` of the new release's config, then the bridge nginx upgrades on the
 * fly onto it: USR2 starts a new master that inherits the listening sockets, WINCH retires the old
 * workers, QUIT ends the old master. Without a bridge (first deploy) only the config test runs.
 */
export async function nginxUpgrade(target: InstanceOnHost, say: Say = noSay): Promise<{upgraded: boolean}> {
	const {prefix, pidFile} = bridgePaths(target);
	const config = nginxConfigOf(target);
	mkdirSync(prefix, {recursive: true, mode: 0o711}); // the workers (not root) pass through to their temp directories
	await run(findNginx(), ['-t', '-q', '-p', `${prefix}/`, '-e', 'stderr', '-c', config, ...workerUser()], {say, timeoutMs: 10_000});
	const old = readPid(pidFile);
	if (old === undefined) return {upgraded: false};
	process.kill(old, 'SIGUSR2');
	await waitFor(() => existsSync(`${pidFile}.oldbin`) && readPid(pidFile) !== undefined && readPid(pidFile) !== old, 10_000, 'the new nginx master');
	const fresh = readPid(pidFile)!;
	process.kill(old, 'SIGWINCH');
	process.kill(old, 'SIGQUIT');
	await waitFor(() => !processAlive(old), 10_000, `the old nginx master ${old} to quit`);
	say(`nginx upgraded on the fly: master ${old} → ${fresh}`);
	return {upgraded: true};
}

/**
 * `ampzero run` of the (new) current release, which adopts the daemons stop-old kept running; once it
 * is up, the bridge nginx quits gracefully. `adoptChanged`: daemons it adopts although their config
 * changed (a keyspace member the deploy restarts afterwards, one host at a time).
 */
export async function startNew(target: InstanceOnHost, say: Say = noSay, adoptChanged: string[] = []): Promise<void> {
	if (supervisorRunning(target)) await run(process.execPath, [ampzeroOf(target), 'run', instanceOf(target), 'stop', '--batch'], {say, timeoutMs: target.timeoutMs, env: runEnvironment(target)});
	const args = [ampzeroOf(target), 'run', instanceOf(target), '--batch', '--no-nat-bypass'];
	if (target.embeddedHub) args.push('--no-hub');
	if (target.setup === 'server') args.push('--server');
	await run(process.execPath, args, {say, timeoutMs: target.timeoutMs, env: runEnvironment(target, {AMPZERO_FRONTEND_HANDOFF: '1', ...(adoptChanged.length > 0 ? {AMPZERO_ADOPT_CHANGED: adoptChanged.join(',')} : {})})});
	await stopBridge(target, say);
}

/** Restarts this host's keyspace member under the running supervisor and waits until the cluster has its quorum again. */
export async function restartKeyspace(target: InstanceOnHost, say: Say = noSay): Promise<{before?: number; after: number; ms: number}> {
	return runForJson(process.execPath, [ampzeroOf(target), 'remote', 'restart-keyspace', instanceOf(target), '--timeout-ms', String(Math.max(10_000, target.timeoutMs - 5000))], {say, timeoutMs: target.timeoutMs, env: runEnvironment(target)});
}

export async function stopBridge(target: InstanceOnHost, say: Say = noSay): Promise<void> {
	const {pidFile} = bridgePaths(target);
	const pid = readPid(pidFile);
	if (pid === undefined) return;
	process.kill(pid, 'SIGQUIT');
	await waitFor(() => !processAlive(pid), 10_000, `the bridge nginx ${pid} to quit`);
	say(`bridge nginx ${pid} quit`);
}

/**
 * Set-up of a new release on this host: the release's `bin/setup --release` installs the Debian
 * packages that are missing; Node dependencies are rebuilt only when this host's architecture or
 * Node ABI differs from the machine that built the release; the instance's generated files are
 * made for this host's paths by the release's own ampzero.
 */
export async function setUp(target: InstanceOnHost, releases: CurrentRecord, say: Say = noSay): Promise<{rebuilt: boolean}> {
	const dist = distDirectory(target.root);
	const ampify = path.join(dist, safeName(releases.ampify));
	let rebuilt = false;
	try {
		const built = JSON.parse(readFileSync(path.join(ampify, 'dist', 'release.json'), 'utf8')) as {arch: string; abi: string};
		if (built.arch !== process.arch || built.abi !== process.versions.modules) {
			say(`built for ${built.arch}/ABI ${built.abi}, this host is ${process.arch}/ABI ${process.versions.modules}: rebuilding native modules`);
			await run('npm', ['rebuild', '--omit=dev', '--no-fund', '--no-audit'], {cwd: ampify, say, timeoutMs: target.timeoutMs});
			rebuilt = true;
		}
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
	}
	await run('bash', [path.join(ampify, 'bin', 'setup'), '--release'], {cwd: ampify, say, timeoutMs: target.timeoutMs});
	await run(process.execPath, [path.join(ampify, 'bin', 'ampzero'), 'remote', 'prepare-instance', path.join(dist, safeName(releases.instance)), '--amprun-root', path.join(target.root, 'var'), '--lives-at', instanceOf(target)], {say, timeoutMs: target.timeoutMs});
	return {rebuilt};
}

/**
 * Writes this host's own TLS key (`tls/hosts/HOST.key`) into an instance release, owner-only: the
 * release tarball, the same for every host, carries no host's key and never the CA's.
 */
export function installKey(root: string, release: string, file: string, content: Buffer): void {
	if (!/^tls\/hosts\/[a-z][a-z0-9-]*\.key$/.test(file)) throw new Error(`bad key file name ${JSON.stringify(file)}`);
	const target = path.join(distDirectory(root), safeName(release), file);
	mkdirSync(path.dirname(target), {recursive: true, mode: 0o700});
	const temporary = `${target}.${process.pid}.tmp`;
	writeFileSync(temporary, content, {mode: 0o600});
	chmodSync(temporary, 0o600);
	renameSync(temporary, target);
}

export async function preUpdate(target: InstanceOnHost, instanceRelease: string, script: string, say: Say = noSay): Promise<void> {
	const directory = path.join(distDirectory(target.root), safeName(instanceRelease));
	await run('bash', ['-c', script], {cwd: directory, say, timeoutMs: target.timeoutMs, env: {...process.env, AMPZERO_RELEASE: directory, AMPZERO_ROOT: target.root}});
}

/** `<root>/dist/history.jsonl`: one record per deploy or rollback that reached this host, oldest first. */
export function historyFile(root: string): string {
	return path.join(distDirectory(root), 'history.jsonl');
}

/** Appends a deploy's record, with the releases the host runs now as `after`. */
export function appendHistory(root: string, record: Record<string, unknown>): {after: CurrentRecord | null} {
	const after = readCurrent(path.join(distDirectory(root), '.current')) ?? null;
	mkdirSync(distDirectory(root), {recursive: true, mode: 0o755});
	appendFileSync(historyFile(root), `${JSON.stringify({...record, after})}\n`, {mode: 0o600});
	return {after};
}

// --- the command line the deploy drives over SSH ----------------------------------------------------

/** Runs one step; `say` passes its output lines on; `input` is the step's data (receive, verify-tree). */
export async function runAgentStep(step: string, request: Record<string, unknown>, say: Say, input: NodeJS.ReadableStream): Promise<unknown> {
	const root = String(request['root'] ?? '');
	if (!root.startsWith('/')) throw new Error('root must be an absolute path');
	const as = typeof request['as'] === 'string' && /^[a-z][a-z0-9-]*$/.test(request['as']) ? request['as'] : undefined;
	const target = {root, name: String(request['name'] ?? ''), setup: request['setup'] === 'server' ? 'server' : 'single', embeddedHub: request['embeddedHub'] !== false, timeoutMs: Number(request['timeoutMs'] ?? 120_000), ...(as ? {as} : {})} as InstanceOnHost;
	switch (step) {
		case 'status':
			return hostStatus(root, target.name || undefined);
		case 'lock':
			return takeLock(root, request['record'] as LockRecord, Boolean(request['force']));
		case 'unlock': {
			// The deploy's record goes into the host's history while its lock is still held.
			const holder = readLock(root);
			if (request['history'] && holder?.deployId === request['deployId']) appendHistory(root, request['history'] as Record<string, unknown>);
			return {released: releaseLock(root, String(request['deployId']))};
		}
		case 'receive':
			return receive(root, String(request['file']), input);
		case 'verify-received':
			return verifyReceived(root, String(request['file']), String(request['sha256']));
		case 'unpack':
			return unpack(root, request['unpack'] as UnpackRequest, say);
		case 'verify-tree': {
			const chunks: Buffer[] = [];
			for await (const chunk of input) chunks.push(Buffer.from(chunk as Buffer));
			return verifyTree(root, String(request['release']), Buffer.concat(chunks).toString('utf8'));
		}
		case 'set-up':
			return setUp(target, request['releases'] as CurrentRecord, say);
		case 'pre-update':
			await preUpdate(target, String(request['release']), String(request['script']), say);
			return {};
		case 'placeholder':
			placeholder(target, Boolean(request['on']));
			return {};
		case 'stop-old':
			return stopOld(target, say, (request['to'] ?? undefined) as CurrentRecord | undefined);
		case 'switch':
			switchRelease(root, (request['to'] ?? null) as CurrentRecord | null, (request['previous'] ?? null) as CurrentRecord | null);
			return hostStatus(root);
		case 'nginx-upgrade':
			return nginxUpgrade(target, say);
		case 'start-new':
			await startNew(target, say, Array.isArray(request['adoptChanged']) ? (request['adoptChanged'] as unknown[]).filter((name): name is string => typeof name === 'string' && /^[a-z][a-z0-9-]*$/.test(name)) : []);
			return {};
		case 'restart-keyspace':
			return restartKeyspace(target, say);
		case 'stop-bridge':
			await stopBridge(target, say);
			return {};
		case 'clean-up':
			return cleanUp(root, request['keep'] as string[], target.name || undefined);
		case 'discard':
			return discard(root, request['made'] as MadeByDeploy);
		case 'install-key': {
			const chunks: Buffer[] = [];
			for await (const chunk of input) chunks.push(Buffer.from(chunk as Buffer));
			installKey(root, String(request['release']), String(request['file']), Buffer.concat(chunks));
			return {};
		}
		case 'history':
			return appendHistory(root, request['record'] as Record<string, unknown>);
		default:
			throw new Error(`unknown step ${JSON.stringify(step)}`);
	}
}

/**
 * `node agent.mjs <step> '<json>'` runs one step; `node agent.mjs serve` runs the steps that come
 * as JSON lines on stdin (`{"id", "step", "request"}`), one at a time, so a deploy pays for one SSH
 * channel and one Node start per host instead of one per step. Answers are JSON lines tagged by id.
 */
export async function agentMain(argv: string[], input: NodeJS.ReadableStream = process.stdin): Promise<number> {
	const [step, json] = argv;
	if (step === 'serve') return serve(input);
	const say: Say = line => process.stdout.write(`${JSON.stringify({line})}\n`);
	try {
		const result = await runAgentStep(step ?? '', JSON.parse(json ?? '{}') as Record<string, unknown>, say, input);
		process.stdout.write(`${JSON.stringify({result: result ?? null})}\n`);
		return 0;
	} catch (error) {
		process.stdout.write(`${JSON.stringify({error: error instanceof Error ? error.message : String(error)})}\n`);
		return 1;
	}
}

async function serve(input: NodeJS.ReadableStream): Promise<number> {
	const {createInterface} = await import('node:readline');
	const {Readable} = await import('node:stream');
	process.stdout.write(`${JSON.stringify({ready: true})}\n`);
	for await (const text of createInterface({input, crlfDelay: Infinity})) {
		if (text.trim() === '') continue;
		let id: unknown;
		try {
			const message = JSON.parse(text) as {id: unknown; step: string; request: Record<string, unknown>};
			id = message.id;
			const say: Say = line => process.stdout.write(`${JSON.stringify({id, line})}\n`);
			const result = await runAgentStep(message.step, message.request, say, Readable.from([]));
			process.stdout.write(`${JSON.stringify({id, result: result ?? null})}\n`);
		} catch (error) {
			process.stdout.write(`${JSON.stringify({id, error: error instanceof Error ? error.message : String(error)})}\n`);
		}
	}
	return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	agentMain(process.argv.slice(2)).then(code => {
		process.exitCode = code;
	});
}

