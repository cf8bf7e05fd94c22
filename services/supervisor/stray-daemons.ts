import path from 'node:path';
import {outgoingGroups} from './outgoing-daemons.js';
import {processesOfRun} from './pid-files.js';
import {commandLine, signalGroup} from '../system/proc.js';

/** A process of this run that no daemon of its supervisor is: a second copy of one of them. */
interface StrayDaemon {
	pid: number;
	command: string;
}

/**
 * The group leaders that carry this run's marker (they were spawned for it), run one of its daemons'
 * programs, and are none of the groups the supervisor runs now. A supervisor killed between spawning a
 * daemon and writing its pid file, or a restart that raced its kill, can leave one: it would hold its
 * daemon's port, or its data, beside the copy the supervisor runs.
 */
function findStrayDaemons(pidsDirectory: string, managed: ReadonlySet<number>, programs: readonly string[]): StrayDaemon[] {
	const names = [...new Set(programs.map(program => path.basename(program)))];
	const commands = new Map<number, string>();
	// The command line first: it rules out nearly every process at the cost of one small read.
	const runsOneOfThem = (pid: number): boolean => {
		const command = commandLine(pid)?.join(' ');
		if (managed.has(pid) || !command || !names.some(name => command.includes(name))) return false;
		commands.set(pid, command);
		return true;
	};
	return processesOfRun(pidsDirectory, runsOneOfThem)
		.filter(({pid, pgid}) => pgid === pid)
		.map(({pid}) => ({pid, command: commands.get(pid)!}));
}

/**
 * How often a supervisor looks for a stray copy of one of its daemons. A scan reads /proc for every
 * process of its mount namespace (~20 ms for 600 processes): every second, the 30 to 60 supervisors of
 * a 30-host deploy on one machine asked 0.6 to 1.2 s of CPU a second of its two cores.
 */
const strayCheckIntervalMs = 3000;

/**
 * Every few seconds, ends (SIGKILL to its group) any stray copy of one of the daemons `current` names, and
 * says so. Started once the supervisor has adopted what it adopts: every other copy is a stray then.
 */
export function watchStrayDaemons(pidsDirectory: string, current: () => {managed: ReadonlySet<number>; programs: readonly string[]}, notice: (text: string) => void): {stop(): void} {
	const timer = setInterval(() => {
		const {managed, programs} = current();
		// A deploy's outgoing ampnodes are no strays: they serve until nginx has moved onto the new ones.
		for (const stray of findStrayDaemons(pidsDirectory, new Set([...managed, ...outgoingGroups(pidsDirectory)]), programs)) {
			signalGroup(stray.pid, 'SIGKILL');
			notice(`ended a stray copy of a daemon that no supervisor ran: pid ${stray.pid} (${stray.command.slice(0, 200)})`);
		}
	}, strayCheckIntervalMs).unref();
	return {stop: () => clearInterval(timer)};
}
