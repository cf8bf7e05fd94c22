import {chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {distDirectory, safeName, type CurrentRecord} from './host-files.js';
import {instanceOf, runEnvironment, type InstanceOnHost} from './instance-on-host.js';
import {rememberComparison} from './daemon-comparison.js';
import {noSay, run, runForJson, type Say} from './run-program.js';

/**
 * Set-up of a new release on this host: the release's `bin/setup --release` installs the Debian
 * packages that are missing (once per ampzero release: a stamp in `var/deploy/set-up/`); Node dependencies are rebuilt only when this host's architecture or
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
	// Once per ampzero release on a host: a deploy that changes only the instance does not ask dpkg again.
	const stamp = path.join(target.root, 'var', 'deploy', 'set-up', safeName(releases.ampify));
	if (rebuilt || !existsSync(stamp)) {
		await run('bash', [path.join(ampify, 'bin', 'setup'), '--release'], {cwd: ampify, say, timeoutMs: target.timeoutMs});
		mkdirSync(path.dirname(stamp), {recursive: true, mode: 0o700});
		writeFileSync(stamp, `${new Date().toISOString()}\n`);
	}
	const args = [path.join(ampify, 'bin', 'ampzero'), 'remote', 'prepare-instance', path.join(dist, safeName(releases.instance)), '--amprun-root', path.join(target.root, 'var'), '--lives-at', instanceOf(target), '--compare-daemons', ...(target.setup === 'server' ? ['--server'] : [])];
	const prepared = await runForJson<Record<string, unknown>>(process.execPath, args, {say, timeoutMs: target.timeoutMs, env: runEnvironment(target)});
	// The placeholder step, moments later, reads how the daemons compare from here instead of starting the release's ampzero again.
	rememberComparison(target, releases, prepared);
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
