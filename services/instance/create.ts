import {X509Certificate} from 'node:crypto';
import {access, chmod, lstat, mkdir, mkdtemp, readdir, readFile, rename, rm} from 'node:fs/promises';
import path from 'node:path';
import {loadInstanceConfig, type InstanceConfig} from '../config/amprun.js';
import {AmpError, errorMessage} from '../errors.js';
import {embeddedHubDirectory, openHub} from '../hub/open.js';
import {hubKeyFingerprint, matchesFingerprint} from '../hub/fingerprint.js';
import type {Hub} from '../hub/types.js';
import {makeDirectories} from '../files/make-directories.js';
import {syncDirectory, writeFileAtomic} from '../system/atomic-write.js';
import {isAlive} from '../system/proc.js';
import {createIdentity} from '../hub/create-identity.js';
import {keyFileName, type HubPublicKeyRecord} from '../keys/identity.js';
import {membersFileName} from '../keys/members.js';
import {ensureHostIsMember} from '../keys/membership.js';
import {hubPublicKeyFileContent, hubPublicKeyFileName, readHubPublicKeyFile, readIdentityKeys, writeIdentityKeys} from '../keys/store.js';
import {checkAmprunRoot} from './amprun-root.js';
import {makeInstancePrivate, privateDirectoryMode} from './privacy.js';
import {applyPlans} from './apply-plans.js';
import {certificateFiles, makeSelfSignedCertificate} from './certificate.js';
import {authorityFiles, checkCanSign, ensureAuthority, ensureHostCertificates, hostCertificateFiles} from './tls-authority.js';
import {generatedFilePlans} from './file-plans.js';
import {commitPaths, initRepository, untrackFiles, type GitIdentity} from './git.js';
import {clobberedInstanceConfig, newInstanceConfig} from './instance-config.js';
import {instanceName} from './locate.js';
import type {CreateInstanceOptions, InitAnswers, InitEvent, InstanceSummary} from './types.js';
import {hasErrors, validateAnswers} from './validate.js';
import {untilAborted} from '../until-aborted.js';

/**
 * Creates the instance at `directory` (or, with `clobber`, regenerates an existing one), yielding
 * one event per step. A new instance is built in a hidden sibling directory and renamed into
 * place at the end: an error or an abort (the signal, or the caller ending the iteration)
 * removes it, so the result is the complete instance or nothing.
 */
export async function* createInstance(directory: string, answers: InitAnswers, options: CreateInstanceOptions): AsyncGenerator<InitEvent, InstanceSummary> {
	const target = path.resolve(directory);
	const exists = await lstat(target).then(
		() => true,
		() => false,
	);
	if (exists && !options.clobber) {
		throw new AmpError(`${target} already exists; \`ampzero init ${target} --clobber\` regenerates its generated files (keys and your own files are kept)`);
	}
	const summary = exists ? yield* clobberInstance(target, answers, options.signal) : yield* createNewInstance(target, answers, options.signal, options.hubKeyPin);
	yield {type: 'done', summary};
	return summary;
}

/** The work of the step running now: an abort stops waiting for it at once, but what it still does is awaited (briefly) before cleaning up. */
let inflight: Promise<unknown> | undefined;

async function* step<T>(id: string, label: string, signal: AbortSignal | undefined, work: () => Promise<{value: T; detail?: string}>): AsyncGenerator<InitEvent, T> {
	yield {type: 'step-start', step: id, label};
	try {
		signal?.throwIfAborted();
		const running = work();
		inflight = running.catch(() => undefined);
		// A file-system call can hang (a FIFO, a dead network mount): ^C and SIGTERM end the step regardless.
		const {value, detail} = await untilAborted(running, signal);
		signal?.throwIfAborted();
		yield detail === undefined ? {type: 'step-done', step: id} : {type: 'step-done', step: id, detail};
		return value;
	} catch (error) {
		yield {type: 'step-failed', step: id, error: signal?.aborted ? 'cancelled' : errorMessage(error)};
		throw error;
	}
}

/** Waits at most `ms` for the step still running after an abort, so that it does not write into what is being removed. */
async function settleInflight(ms: number): Promise<void> {
	const running = inflight;
	inflight = undefined;
	if (running) await Promise.race([running, new Promise(resolve => setTimeout(resolve, ms).unref())]);
}

/**
 * Removes what an init of this name that was killed left beside the target (`.NAME.partial-PID-…`,
 * holding private keys), unless the init that made it is still running.
 */
async function removeLeftovers(parent: string, name: string): Promise<void> {
	const prefix = `.${name}.partial-`;
	for (const entry of await readdir(parent).catch(() => [] as string[])) {
		if (!entry.startsWith(prefix)) continue;
		const pid = Number(/^(\d+)-/.exec(entry.slice(prefix.length))?.[1]);
		if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) continue;
		await rm(path.join(parent, entry), {recursive: true, force: true});
	}
}


async function* createNewInstance(target: string, answers: InitAnswers, signal: AbortSignal | undefined, hubKeyPin: string | undefined): AsyncGenerator<InitEvent, InstanceSummary> {
	const name = instanceName(target);
	let partial: string | undefined;
	try {
		yield* step('check', 'Checking the answers and the amprun root', signal, async () => {
			await checkAnswersAndRoot(answers);
			await makeDirectories(path.dirname(target));
			await removeLeftovers(path.dirname(target), name);
			return {value: undefined, detail: `amprun root ${answers.amprunRoot}`};
		});
		// Assigned as soon as it exists, outside any step, so that an abort can never leave it behind.
		partial = await mkdtemp(path.join(path.dirname(target), `.${name}.partial-${process.pid}-`));
		const building = partial;
		await chmod(building, privateDirectoryMode);
		const {hub, hubKey} = yield* step('hub', 'Contacting the hub', signal, async () => {
			const hub = openHub(answers.hub);
			const hubKey = await hub.publicKey(signal);
			const fingerprint = hubKeyFingerprint(hubKey.publicKey);
			if (hubKeyPin !== undefined && !matchesFingerprint(hubKey.publicKey, hubKeyPin)) {
				throw new AmpError(`the hub at ${hub.location} has the key ${fingerprint}, not the pinned ${hubKeyPin}; nothing was made (check the URL, or ask the hub's operator for its fingerprint)`);
			}
			const pinned = hubKeyPin === undefined ? (hub.location === 'embedded' ? '' : '; pin it with --hub-key') : ', as pinned';
			return {value: {hub, hubKey}, detail: `${hubDescription(hub)}, key ${fingerprint}${pinned}`};
		});
		const config = yield* step('keys', 'Registering the user and host keys', signal, async () => {
			const [user, host] = await Promise.all([createIdentity(hub, 'user', signal, hubKey), createIdentity(hub, 'host', signal, hubKey)]);
			signal?.throwIfAborted();
			const ampnode = path.join(building, 'ampnode');
			await mkdir(ampnode, {recursive: true});
			await writeIdentityKeys(ampnode, user);
			await writeIdentityKeys(ampnode, host);
			await writeFileAtomic(path.join(ampnode, hubPublicKeyFileName), hubPublicKeyFileContent(hubKey));
			const config = newInstanceConfig(name, answers, {userId: user.public.id, hostId: host.public.id});
			await ensureHostIsMember(building, {name, userId: config.userId}, config.hostId, config.hostName);
			return {value: config, detail: `user-${config.userId}, host-${config.hostId}`};
		});
		yield* step('files', 'Writing the configuration files', signal, async () => {
			const written = await applyPlans(building, generatedFilePlans(config, target), signal);
			return {value: undefined, detail: `${written.length} files`};
		});
		yield* step('certificate', 'Making the TLS certificate and the instance CA', signal, async () => {
			await makeSelfSignedCertificate(building, config.hostName, signal);
			await ensureAuthority(building, config.name, signal);
			const hosts = await ensureHostCertificates(building, config.hosts, signal);
			return {value: undefined, detail: `${certificateFiles.cert} (EC P-256, self-signed), ${authorityFiles.cert}${hosts.length > 0 ? `, certificates of ${hosts.join(', ')}` : ''}`};
		});
		yield* step('git', 'Making the git repository', signal, async () => {
			const commit = await initRepository(building, gitIdentity(config), `Create instance ${name}`, signal);
			await makeInstancePrivate(building, {git: true});
			return {value: undefined, detail: `commit ${commit}`};
		});
		yield* step('place', 'Moving the instance into place', signal, async () => {
			if (await exists(target)) throw new AmpError(`${target} appeared while the instance was being made; nothing was changed`);
			await rename(building, target);
			partial = undefined;
			// The new name is durable only once the directory holding it is synced.
			await syncDirectory(path.dirname(target));
			return {value: undefined, detail: target};
		});
		return summaryOf(config, target);
	} finally {
		if (partial !== undefined) {
			await settleInflight(500);
			await rm(partial, {recursive: true, force: true});
		}
	}
}

async function* clobberInstance(target: string, answers: InitAnswers, signal: AbortSignal | undefined): AsyncGenerator<InitEvent, InstanceSummary> {
	const ampnode = path.join(target, 'ampnode');
	const existing = yield* step('check', 'Checking the answers, the amprun root and the keys', signal, async () => {
		await checkAnswersAndRoot(answers);
		const existing = await loadInstanceConfig(target);
		if (answers.hub !== existing.hub) {
			throw new AmpError(`the keys of ${target} are signed by the hub "${existing.hub}"; --clobber keeps them, so it cannot switch to "${answers.hub}"`);
		}
		return {value: existing, detail: `amprun root ${answers.amprunRoot}`};
	});
	const config = clobberedInstanceConfig(existing, answers);
	yield* step('keys', 'Checking the user and host keys (kept as they are)', signal, async () => {
		const hubKey = await readOrFetchHubKey(ampnode, existing.hub);
		for (const [kind, id] of [['user', existing.userId], ['host', existing.hostId]] as const) {
			const keys = await readIdentityKeys(ampnode, kind, hubKey);
			if (keys.public.id !== id) throw new AmpError(`amprun.yaml says ${kind} ${id} but the key files are ${kind}-${keys.public.id}; fix ${kind}_id in amprun.yaml`);
		}
		// Before any file is written: a host that needs a certificate needs the CA key, which may be elsewhere.
		await checkCanSign(target, config.hosts);
		const added = await ensureHostIsMember(target, {name: config.name, userId: config.userId}, config.hostId, config.hostName);
		return {value: undefined, detail: `user-${config.userId}, host-${config.hostId}${added ? `, host-${config.hostId} added to ampnode/${membersFileName}` : ''}`};
	});
	const plans = generatedFilePlans(config, target);
	yield* step('files', 'Regenerating the configuration files', signal, async () => {
		const written = await applyPlans(target, plans, signal);
		return {value: undefined, detail: `${written.length} files`};
	});
	const certificatesMade = yield* step('certificate', 'Checking the TLS certificates and the instance CA', signal, async () => {
		const present = (await exists(path.join(target, certificateFiles.cert))) && (await exists(path.join(target, certificateFiles.key)));
		const fits = present && (await certificateCovers(path.join(target, certificateFiles.cert), config.hostName));
		const made: string[] = [];
		if (!fits) {
			await makeSelfSignedCertificate(target, config.hostName, signal);
			made.push(...Object.values(certificateFiles));
		}
		// The CA is made once and never replaced: every host certificate hangs on it.
		if (await ensureAuthority(target, config.name, signal)) made.push(authorityFiles.cert);
		const hosts = await ensureHostCertificates(target, config.hosts, signal);
		for (const host of hosts) made.push(...Object.values(hostCertificateFiles(host)));
		const said = [fits ? `${certificateFiles.cert} kept` : present ? `${certificateFiles.cert} made again for ${config.hostName}` : `${certificateFiles.cert} made`];
		said.push(made.includes(authorityFiles.cert) ? `${authorityFiles.cert} made` : `${authorityFiles.cert} kept`);
		if (hosts.length > 0) said.push(`certificates of ${hosts.join(', ')} made`);
		return {value: made, detail: said.join(', ')};
	});
	yield* step('git', 'Committing the regenerated files', signal, async () => {
		const identity = gitIdentity(config);
		if (!(await exists(path.join(target, '.git')))) {
			const commit = await initRepository(target, identity, `Create instance ${config.name}`, signal);
			await makeInstancePrivate(target, {git: true});
			return {value: undefined, detail: `new repository, commit ${commit}`};
		}
		const paths = [...plans.map(plan => plan.path), `ampnode/${hubPublicKeyFileName}`, `ampnode/${membersFileName}`, ...certificatesMade];
		const commit = await commitPaths(target, identity, paths, 'Regenerate instance files (ampzero init --clobber)', signal);
		// An instance made before the user's private key and the CA key were ignored still has them in the repository: out they go (the files stay).
		const userKey = `ampnode/${keyFileName('user', config.userId, 'private')}`;
		const kept = [userKey, authorityFiles.key];
		const untracked = await untrackFiles(target, identity, kept, `Keep ${kept.join(' and ')} out of the repository: they stay on this machine, deploy never ships them`, signal);
		await makeInstancePrivate(target, {git: true});
		const said = [commit === null ? 'nothing changed' : `commit ${commit}`, ...(untracked === null ? [] : [`${untracked.files.join(', ')} taken out of the repository in ${untracked.commit} (committed before: if the repository left this machine, rotate the user key with \`ampzero hub update ${config.name} --identity user\`; for the CA key, remove tls/ca.cert and run init --clobber again, then deploy)`])];
		return {value: undefined, detail: said.join('; ')};
	});
	return summaryOf(config, target);
}

async function checkAnswersAndRoot(answers: InitAnswers): Promise<void> {
	const errors = validateAnswers(answers);
	if (hasErrors(errors)) {
		const lines = Object.entries(errors).flatMap(([field, message]) => (message === undefined ? [] : [`${field}: ${message}`]));
		throw new AmpError('the answers have problems', 2, lines);
	}
	const problem = await checkAmprunRoot(answers.amprunRoot);
	if (problem) throw new AmpError(`${problem.why}; run these commands, then init again:`, 1, problem.sudoCommands);
}

async function readOrFetchHubKey(ampnode: string, location: string): Promise<HubPublicKeyRecord> {
	const file = path.join(ampnode, hubPublicKeyFileName);
	if (await exists(file)) return readHubPublicKeyFile(file);
	const hubKey = await openHub(location).publicKey();
	await writeFileAtomic(file, hubPublicKeyFileContent(hubKey));
	return hubKey;
}

function hubDescription(hub: Hub): string {
	return hub.location === 'embedded' ? `embedded (${embeddedHubDirectory()})` : hub.location;
}

function gitIdentity(config: InstanceConfig): GitIdentity {
	return {name: config.userName, email: config.userEmail};
}

function summaryOf(config: InstanceConfig, target: string): InstanceSummary {
	return {name: config.name, path: target, userId: config.userId, hostId: config.hostId, ports: config.ports, amprunRoot: config.amprunRoot, hub: config.hub};
}

async function exists(file: string): Promise<boolean> {
	return access(file).then(
		() => true,
		() => false,
	);
}

/** Whether the certificate names `hostName` (a --clobber with a new host name needs a new one). */
async function certificateCovers(file: string, hostName: string): Promise<boolean> {
	try {
		return new X509Certificate(await readFile(file)).checkHost(hostName) !== undefined;
	} catch {
		return false;
	}
}
