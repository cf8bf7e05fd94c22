/** Lateness under this is a timer's ordinary jitter, not a stall. */
const stallAtLeastMs = 100;

/**
 * Time a busy machine did not let this process run, credited back to a readiness clock: how much later
 * than it could have a wait ended, up to `capMs` in all, so that nothing waits more than twice its time.
 * A daemon is not declared dead because its supervisor could not look: with 30 hosts on one 2-core
 * machine, a probe attempt bounded at 1 s was seen to end after 5 s, and a healthy kept redis was killed.
 */
export function stallCredit(capMs: number): {after(beganAt: number, boundMs: number): number} {
	let credited = 0;
	return {
		/** Milliseconds to add to the deadline for a wait that began at `beganAt` and could not take more than `boundMs`. */
		after(beganAt: number, boundMs: number): number {
			const overrun = Date.now() - beganAt - boundMs;
			const late = overrun < stallAtLeastMs ? 0 : Math.min(overrun, capMs - credited);
			if (late <= 0) return 0;
			credited += late;
			return late;
		},
	};
}
