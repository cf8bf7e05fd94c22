/**
 * A signal that aborts when `parent` does, or after `ms` with a TimeoutError: what
 * `AbortSignal.any([parent, AbortSignal.timeout(ms)])` means. That form can miss its timeout on
 * Node 20 (the timeout signal, referenced by nothing but the combined one, may be collected
 * before it fires: a NAT renewal then waited for ever); here a timer holds the controller.
 */
export function deadlineSignal(ms: number, parent?: AbortSignal): AbortSignal {
	const controller = new AbortController();
	const onParentAbort = (): void => {
		clearTimeout(timer);
		controller.abort(parent!.reason);
	};
	const timer = setTimeout(() => {
		parent?.removeEventListener('abort', onParentAbort);
		controller.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError'));
	}, ms);
	// It holds nothing up: a process with nothing else to do may end before it fires.
	timer.unref();
	if (parent?.aborted) onParentAbort();
	else parent?.addEventListener('abort', onParentAbort, {once: true});
	return controller.signal;
}
