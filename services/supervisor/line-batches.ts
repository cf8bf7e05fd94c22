import type {SupervisorEvent} from './events.js';
import type {ManagedDaemon} from './managed-daemon.js';

/**
 * Daemons' lines go to watchers in batches, one `log-lines` event per daemon every `intervalMs`: a
 * flood must not cost one event per line. A batch keeps only its newest `maxLines`, counting the rest
 * as skipped (the log file still has every line).
 */
export class LineBatches {
	private timer: NodeJS.Timeout | undefined;

	constructor(
		private readonly daemons: () => Iterable<ManagedDaemon>,
		private readonly emit: (event: SupervisorEvent) => void,
		private readonly intervalMs: number,
		private readonly maxLines: number,
	) {}

	queue(daemon: ManagedDaemon, lines: string[]): void {
		daemon.unsent.push(...lines);
		if (daemon.unsent.length > this.maxLines) {
			const extra = daemon.unsent.length - this.maxLines;
			daemon.unsent.splice(0, extra);
			daemon.unsentSkipped += extra;
		}
		this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
	}

	/** Sends what is queued now: every daemon's lines, or `only` that daemon's (before an event about it). */
	flush(only?: ManagedDaemon): void {
		if (!only) {
			clearTimeout(this.timer);
			this.timer = undefined;
		}
		for (const daemon of only ? [only] : this.daemons()) {
			if (daemon.unsent.length === 0) continue;
			const lines = daemon.unsent;
			const skipped = daemon.unsentSkipped;
			daemon.unsent = [];
			daemon.unsentSkipped = 0;
			this.emit({type: 'log-lines', daemon: daemon.spec.name, lines, ...(skipped > 0 ? {skipped} : {})});
		}
	}
}
