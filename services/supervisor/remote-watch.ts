import net from 'node:net';
import type {RemoteDependency, RemoteTarget} from './events.js';

export interface RemoteWatchOptions {
	/** Between rounds of checks (default 2 s). */
	intervalMs?: number;
	/** One connect attempt's limit (default 1.5 s). */
	timeoutMs?: number;
}

/** Whether a TCP connection to the target opens: the error in words when it does not. */
function connectCheck(target: RemoteTarget, timeoutMs: number): Promise<string | undefined> {
	return new Promise(resolve => {
		const socket = net.connect({host: target.host, port: target.port});
		const done = (error: string | undefined): void => {
			socket.destroy();
			clearTimeout(timer);
			resolve(error);
		};
		const timer = setTimeout(() => done(`no answer in ${timeoutMs / 1000} s`), timeoutMs);
		socket.once('connect', () => done(undefined));
		socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ? `connect ${error.code}` : error.message));
	});
}

/**
 * Watches the daemons a run relies on but does not start (keyspace members on other hosts, a
 * remote zerodata and logstore): a connect every few seconds to each, and `onChange` with the whole
 * list whenever one of them becomes reachable or unreachable.
 */
export class RemoteWatch {
	private readonly dependencies: RemoteDependency[];
	private timer: NodeJS.Timeout | undefined;
	private stopped = false;
	private waiters: Array<() => void> = [];

	constructor(
		targets: readonly RemoteTarget[],
		private readonly onChange: (dependencies: RemoteDependency[], changed: RemoteDependency[]) => void,
		private readonly options: RemoteWatchOptions = {},
	) {
		this.dependencies = targets.map(target => ({...target, reachable: null}));
	}

	get list(): RemoteDependency[] {
		return this.dependencies.map(dependency => ({...dependency}));
	}

	allReachable(): boolean {
		return this.dependencies.every(dependency => dependency.reachable === true);
	}

	/** Names and errors of those not (yet) reachable, for a waiting daemon's reason. */
	describeUnreachable(): string {
		return this.dependencies
			.filter(dependency => dependency.reachable !== true)
			.map(dependency => `${dependency.name} at ${dependency.url}${dependency.error ? ` (${dependency.error})` : ''}`)
			.join(', ');
	}

	/** Resolves once every dependency answered in the same round, or the watch stopped. */
	whenAllReachable(): Promise<void> {
		if (this.allReachable() || this.stopped) return Promise.resolve();
		return new Promise(resolve => this.waiters.push(resolve));
	}

	start(): void {
		void this.round();
	}

	stop(): void {
		this.stopped = true;
		if (this.timer !== undefined) clearTimeout(this.timer);
		this.release();
	}

	private release(): void {
		const waiters = this.waiters;
		this.waiters = [];
		for (const resolve of waiters) resolve();
	}

	private async round(): Promise<void> {
		const timeoutMs = this.options.timeoutMs ?? 1500;
		const results = await Promise.all(this.dependencies.map(dependency => connectCheck(dependency, timeoutMs)));
		if (this.stopped) return;
		const changed: RemoteDependency[] = [];
		const now = Date.now();
		this.dependencies.forEach((dependency, index) => {
			const error = results[index];
			const reachable = error === undefined;
			dependency.checkedAt = now;
			if (dependency.reachable !== reachable || (!reachable && dependency.error !== error)) {
				dependency.reachable = reachable;
				if (reachable) delete dependency.error;
				else dependency.error = error;
				changed.push({...dependency});
			}
		});
		if (changed.length > 0) this.onChange(this.list, changed);
		if (this.allReachable()) this.release();
		this.timer = setTimeout(() => void this.round(), this.options.intervalMs ?? 2000);
		this.timer.unref();
	}
}

/** The notice for a dependency whose reachability changed. */
export function describeRemoteChange(dependency: RemoteDependency): string {
	return dependency.reachable
		? `remote ${dependency.name} at ${dependency.url} is reachable`
		: `waiting for remote ${dependency.name} at ${dependency.url}: unreachable (${dependency.error ?? 'no answer'})`;
}
