/*
 * The one double-^C policy of the batch commands: the first SIGINT or SIGTERM asks for a clean
 * stop (stop the daemons, roll the deploy back), which may take a while; the next one does not wait.
 */

export interface InterruptHandlers {
	/** The first signal: start stopping cleanly. */
	first: (signal: NodeJS.Signals) => void;
	/** Every later signal: stop now. */
	again: (signal: NodeJS.Signals) => void;
}

/** Listens for SIGINT and SIGTERM with the double-^C policy; returns the function that stops listening. */
export function onInterrupts(handlers: InterruptHandlers): () => void {
	let count = 0;
	const onSignal = (signal: NodeJS.Signals): void => {
		count += 1;
		if (count === 1) handlers.first(signal);
		else handlers.again(signal);
	};
	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);
	return () => {
		process.off('SIGINT', onSignal);
		process.off('SIGTERM', onSignal);
	};
}
