import type {TopologyHost} from '../config/hosts.js';
import type {AgentClient, RemoteSession} from './agent-client.js';
import type {MadeByDeploy} from './agent/clean-up.js';
import type {HostStatus} from './agent/status.js';
import type {DeployHostConfig} from './config.js';
import type {DeployStep, HostState} from './events.js';
import type {BuiltRelease} from './release.js';

/** How one release reaches a host. */
export interface Transfer {
	release: BuiltRelease;
	kind: 'patch' | 'full' | 'present';
	/** Local file sent (patch or full tarball), its name on the host, sha256 and size. */
	file?: string;
	remoteName?: string;
	sha256?: string;
	bytes: number;
	base?: string;
}

/** One host in one deploy: its connection, what the steps did on it (what the rollback undoes) and its result. */
export interface HostRun {
	config: DeployHostConfig;
	label: string;
	/** Its entry of amprun.yaml `hosts:` (undefined for a single-machine instance). */
	entry?: TopologyHost;
	session?: RemoteSession;
	agent?: AgentClient;
	status?: HostStatus;
	transfers: Transfer[];
	/** What this deploy made on the host: all that a discard may remove. */
	made: MadeByDeploy;
	lockTaken: boolean;
	/** The lock was taken but could not be given back (the host stopped answering). */
	lockLeft: boolean;
	/** What went wrong while putting the host back; empty when the rollback worked. */
	rollbackErrors: string[];
	placeholderOn: boolean;
	stoppedOld: boolean;
	/** Its keyspace member's config changed: kept running through the switch, restarted after start-new, one host at a time. */
	rollKeyspace: boolean;
	switched: boolean;
	state: HostState;
	stepMs: Partial<Record<DeployStep, number>>;
	error?: string;
	release?: string;
}

export function newHostRun(config: DeployHostConfig): HostRun {
	return {
		config,
		label: config.target,
		transfers: [],
		made: {releases: [], tarballs: [], files: []},
		lockTaken: false,
		lockLeft: false,
		rollbackErrors: [],
		placeholderOn: false,
		stoppedOld: false,
		rollKeyspace: false,
		switched: false,
		state: 'waiting',
		stepMs: {},
	};
}

/** A step failed on a host for a reason the engine states itself (not an error thrown by the agent). */
export class StepFailure extends Error {}
