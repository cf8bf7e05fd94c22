import type {RemoteTarget} from './events.js';
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import type {RunPaths} from '../config/paths.js';
import type {RunInfo} from './events.js';
import type {DaemonSpec} from './spec.js';

export interface RunFlags {
	server: boolean;
	debug: boolean;
	/** Announce this host to the hub once everything is ready. */
	hub: boolean;
	/** Map the frontend port on a NAT gateway. */
	natBypass: boolean;
}

/** Everything a supervisor needs to run an instance; written to a file for the daemonised one. */
export interface RunPlan {
	instanceDirectory: string;
	flags: RunFlags;
	paths: RunPaths;
	info: RunInfo;
	specs: DaemonSpec[];
	/** Daemons of other hosts this run relies on (watched for reachability). */
	remote?: RemoteTarget[];
}

function planFile(paths: Pick<RunPaths, 'root'>): string {
	return path.join(paths.root, 'supervisor.plan.json');
}

export function writePlan(plan: RunPlan): string {
	const file = planFile(plan.paths);
	writeFileSync(file, `${JSON.stringify(plan, null, '\t')}\n`, {mode: 0o600});
	return file;
}

export function readPlan(file: string): RunPlan {
	return JSON.parse(readFileSync(file, 'utf8')) as RunPlan;
}

/** The daemonised supervisor's own output (its crashes, mostly): `<root>/supervisor.log`. */
export function supervisorLogFile(paths: Pick<RunPaths, 'root'>): string {
	return path.join(paths.root, 'supervisor.log');
}
