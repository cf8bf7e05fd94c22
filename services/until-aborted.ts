/**
 * `work`, or a rejection with the signal's reason as soon as the signal aborts, whichever comes
 * first: for libraries that take a signal but do not always honour it. The work itself goes on
 * (its result is ignored); what waits for it does not.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
	if (!signal) return work;
	return new Promise((resolve, reject) => {
		const onAbort = (): void => reject(signal.reason);
		if (signal.aborted) return onAbort();
		signal.addEventListener('abort', onAbort, {once: true});
		work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
	});
}
