import type {InitAnswers} from '../config/amprun.js';
import type {PortMap} from '../config/ports.js';

/** The summary `init --json` prints and the form's done state shows. */
export interface InstanceSummary {
	name: string;
	path: string;
	userId: number;
	hostId: number;
	ports: PortMap;
	amprunRoot: string;
	hub: string;
}

/** One step of creating an instance, as the form lists it with a tick (and `--batch` prints it). */
export type InitEvent =
	| {type: 'step-start'; step: string; label: string}
	| {type: 'step-done'; step: string; detail?: string}
	| {type: 'step-failed'; step: string; error: string}
	| {type: 'done'; summary: InstanceSummary};

/** Per-field problems with the answers, keyed by the InitAnswers field (`ports.redisLive` for a port). */
export type AnswerErrors = Partial<Record<string, string>>;

/** The amprun root cannot be created or written: why, and the commands that would fix it. */
export interface AmprunRootProblem {
	path: string;
	why: string;
	sudoCommands: string[];
}

export interface CreateInstanceOptions {
	clobber: boolean;
	signal?: AbortSignal;
	/** `--hub-key`: the fingerprint the hub's key must have, else nothing is made. */
	hubKeyPin?: string;
}

export type {InitAnswers};
