import {readFileSync} from 'node:fs';
import https from 'node:https';
import {loadRunConfig} from '../config/placement.js';
import {runPaths} from '../config/paths.js';
import {urlHost} from '../config/hosts.js';
import {builtinDaemons} from '../daemons/builtin.js';
import {daemonUser} from '../daemons/daemon-user.js';
import {statefulDaemons, withFingerprints} from '../daemons/fingerprint.js';
import {AmpError, errorMessage} from '../errors.js';
import {connectSupervisor} from '../supervisor/client.js';
import {findSupervisor} from '../supervisor/lock.js';
import {adoptionCheck, readPidFiles, type AdoptionCheck} from '../supervisor/pid-files.js';

/** A daemon that keeps state, as a release about to run on this host compares with what runs now. */
export interface StatefulDaemonState {
	name: string;
	/** How the deploy names it: `keyspace-1` for a member of the three-member keyspace. */
	label: string;
	fingerprint: string;
	/** `adoptable`: it runs as the release would run it, and keeps running; `changed`: its files or config changed; `not-running`. */
	check: AdoptionCheck;
	pid?: number;
	/** Its pid file records a fingerprint (its supervisor knew them): only then can its supervisor keep it on `stop --keep`. */
	fingerprinted: boolean;
}

/**
 * Compares the daemons that keep state in the release at `readFrom` (unpacked and set up, not yet
 * switched to) with the processes the running supervisor's pid files name, and says whether that
 * release can take over the frontend without the placeholder: its nginx is run exactly as the running
 * one (so the new supervisor adopts it, and a reload moves it onto the new ampnodes), and ampnodes run
 * now (they go on serving until then). `instanceDirectory` is the path `run` will give the daemons once
 * the release is switched to (the link `dist/instance`).
 */
export async function compareWithRunning(readFrom: string, instanceDirectory: string, server: boolean): Promise<{daemons: StatefulDaemonState[]; handOver: boolean}> {
	const config = await loadRunConfig(readFrom);
	const user = daemonUser();
	const specs = builtinDaemons(config, instanceDirectory, {server: server || config.placement?.host.server === true, debug: false, ...(user ? {runAs: user} : {})});
	const records = new Map(readPidFiles(runPaths(config).pids).map(record => [record.daemon, record]));
	const daemons = withFingerprints(
		specs.filter(spec => statefulDaemons.has(spec.name)),
		{instanceDirectory, readFrom},
	).map(spec => {
		const record = records.get(spec.name);
		const check = record ? adoptionCheck(record, [spec.command, ...spec.args], spec.fingerprint) : 'not-running';
		const member = spec.name === 'keyspace' ? config.placement?.host.keyspace : undefined;
		return {name: spec.name, label: member === undefined ? spec.name : `keyspace-${member}`, fingerprint: spec.fingerprint!, check, ...(record && check !== 'not-running' ? {pid: record.pid} : {}), fingerprinted: record?.fingerprint !== undefined};
	});
	const nginx = specs.find(spec => spec.name === 'nginx');
	const runningNginx = records.get('nginx');
	const handOver =
		nginx !== undefined &&
		runningNginx !== undefined &&
		adoptionCheck(runningNginx, [nginx.command, ...nginx.args]) === 'adoptable' &&
		[...records.keys()].some(name => /^ampnode(-\d+)?$/.test(name));
	return {daemons, handOver};
}

function getText(url: string, tls: {ca: string; cert: string; key: string}, timeoutMs: number): Promise<{status: number; text: string}> {
	return new Promise((resolve, reject) => {
		const request = https.get(url, {ca: readFileSync(tls.ca), cert: readFileSync(tls.cert), key: readFileSync(tls.key), timeout: timeoutMs}, response => {
			let text = '';
			response.setEncoding('utf8');
			response.on('data', chunk => (text += chunk));
			response.on('end', () => resolve({status: response.statusCode ?? 0, text}));
		});
		request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
		request.on('error', reject);
	});
}

/**
 * Restarts this host's keyspace member under the running supervisor (which runs it with the config of
 * the release it was started from) and waits until the member answers `/health` as healthy: it has a
 * leader and a quorum read passes, so the cluster has its quorum again before the next member stops.
 */
export async function restartKeyspaceMember(instanceDirectory: string, timeoutMs: number, say: (line: string) => void): Promise<{before?: number; after: number; ms: number}> {
	const config = await loadRunConfig(instanceDirectory);
	const placement = config.placement;
	if (!placement || placement.host.keyspace === undefined) throw new AmpError('this host runs no member of a three-member keyspace');
	const paths = runPaths(config);
	if (!findSupervisor(paths)) throw new AmpError(`no supervisor runs ${config.name} here`);
	const began = Date.now();
	const deadline = began + timeoutMs;
	const connection = await connectSupervisor(paths.supervisorSocket);
	let before: number | undefined;
	let after: number | undefined;
	try {
		const events = connection.events();
		let sent = false;
		for await (const event of events) {
			if (event.type === 'snapshot') {
				before = event.daemons.find(daemon => daemon.name === 'keyspace')?.pid;
				await connection.send({type: 'restart', daemon: 'keyspace'});
				sent = true;
				continue;
			}
			if (event.type === 'supervisor-exit') throw new AmpError('the supervisor exited while the keyspace member restarted');
			if (sent && event.type === 'daemon-state' && event.daemon.name === 'keyspace') {
				if (event.daemon.state === 'failed') throw new AmpError(`the keyspace member failed to start: ${event.daemon.reason ?? ''}`);
				if (event.daemon.state === 'ready' && event.daemon.pid !== undefined && event.daemon.pid !== before) {
					after = event.daemon.pid;
					break;
				}
			}
			if (Date.now() > deadline) break;
		}
	} finally {
		connection.close();
	}
	if (after === undefined) throw new AmpError(`the keyspace member did not come back within ${Math.round(timeoutMs / 1000)} s`);
	const url = `https://${urlHost(placement.host.address)}:${config.ports.keyspaceClient}/health`;
	let last = '';
	while (Date.now() < deadline) {
		try {
			const {status, text} = await getText(url, placement.tls, 2000);
			if (status === 200 && /"health":\s*"true"/.test(text)) {
				say(`keyspace member answers healthy with a quorum (pid ${before ?? '?'} → ${after})`);
				return {...(before === undefined ? {} : {before}), after, ms: Date.now() - began};
			}
			last = `${status} ${text.trim().slice(0, 120)}`;
		} catch (error) {
			last = errorMessage(error);
		}
		await new Promise(resolve => setTimeout(resolve, 100));
	}
	throw new AmpError(`the keyspace member restarted (pid ${after}) but ${url} did not answer healthy within ${Math.round(timeoutMs / 1000)} s (last: ${last})`);
}
