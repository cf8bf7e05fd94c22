import type {DaemonStatus, RunInfo, SupervisorCommand, SupervisorConnection, SupervisorEvent} from '../../services/supervisor/events.js';

/** A supervisor link held in memory: the test pushes events and reads the commands sent. */
export class MemoryConnection implements SupervisorConnection {
	readonly sent: SupervisorCommand[] = [];
	closed = false;
	private queue: SupervisorEvent[] = [];
	private wake: (() => void) | undefined;
	private ended = false;

	push(...events: SupervisorEvent[]): void {
		this.queue.push(...events);
		this.wake?.();
	}

	/** The supervisor goes away without a word. */
	drop(): void {
		this.ended = true;
		this.wake?.();
	}

	async *events(): AsyncIterable<SupervisorEvent> {
		while (true) {
			const event = this.queue.shift();
			if (event) {
				yield event;
				continue;
			}
			if (this.ended || this.closed) return;
			await new Promise<void>(resolve => {
				this.wake = resolve;
			});
			this.wake = undefined;
		}
	}

	async send(command: SupervisorCommand): Promise<void> {
		this.sent.push(command);
	}

	close(): void {
		this.closed = true;
		this.wake?.();
	}
}

const fixedNow = Date.UTC(2026, 0, 15, 12, 0, 0);
export const fixedClock = {now: () => fixedNow};

export const runInfo: RunInfo = {
	instance: 'kickass',
	instanceDirectory: '/srv/ampzero/kickass',
	frontendUrl: 'https://localhost:8040',
	loginUrl: 'https://localhost:8040/login?token=3f9a',
	supervisorPid: 4242,
};

const builtIn: Array<[string, number]> = [
	['keyspace', 2379],
	['redis-live', 6380],
	['redis-data', 6381],
	['logstore', 8020],
	['zerodata', 8030],
	['ampnode', 8041],
	['nginx', 8040],
];

export function daemonsIn(state: DaemonStatus['state']): DaemonStatus[] {
	return builtIn.map(([name, port], index) => ({
		name,
		state,
		restarts: 0,
		port,
		...(state === 'pending' || state === 'stopped' ? {} : {pid: 31000 + index, startedAt: fixedNow - (3725 - index * 61) * 1000}),
	}));
}

export function logOf(name: string, count: number): string[] {
	return Array.from({length: count}, (_, i) => `${name} line ${String(i + 1).padStart(4, '0')}: request handled in ${(i % 7) + 1} ms`);
}

export const keys = {
	down: '\u001B[B',
	up: '\u001B[A',
	pageUp: '\u001B[5~',
	pageDown: '\u001B[6~',
	end: '\u001B[F',
	enter: '\r',
	escape: '\u001B',
	ctrlC: '\u0003',
} as const;

export async function waitFor(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise(resolve => setTimeout(resolve, 10));
	}
}

/** Lines as etcd writes them (JSON), with a warning and an error among them. */
export function etcdLog(): string[] {
	const line = (second: number, level: string, msg: string, extra: Record<string, unknown> = {}): string =>
		JSON.stringify({level, ts: `2026-01-15T12:00:${String(second).padStart(2, '0')}.125Z`, caller: 'etcdserver/server.go:2069', msg, ...extra});
	return [
		line(1, 'info', 'starting an etcd server', {'data-dir': 'data'}),
		line(2, 'info', 'published local member to cluster through raft', {'local-member-id': 'bae523cfcffd6141'}),
		line(3, 'warn', 'slow fdatasync', {took: '1.2s', expected: '1s'}),
		line(4, 'error', 'failed to reach the peer', {peer: 'a b'}),
		'not JSON: {broken',
	];
}
