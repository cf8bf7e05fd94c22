import type {DeployEvent} from '../../services/deploy/events.js';
import {DeployPrinter} from '../deploy-output.js';
import {createBatchOutput, type BatchOutput} from '../output.js';
import {pumpDeployEvents} from './deploy-event-pump.js';
import {loadDeployScreen} from './load-screens.js';

/** How long a signal waits for the rollback it asked for before the process leaves anyway. */
const rollbackWaitMs = 5 * 60_000;

/**
 * Shows a deploy on the deploy screen, full screen, and resolves with the exit code once the user
 * leaves the finished screen: 0 when the deploy succeeded, 1 otherwise. `abort` asks the engine to
 * abort (it is called at most once); the engine then rolls every host back and keeps emitting
 * events to its `deploy-end`, which the screen shows. The summary is printed after the terminal is
 * restored, so it stays in the user's scrollback.
 *
 * SIGTERM or SIGHUP (the terminal went away) while it runs: the terminal is restored, the deploy is
 * aborted, and the process waits for the rollback (printing its lines on stderr) before it exits.
 * Call only when isInteractive() says so.
 */
export async function runDeployApp(events: AsyncIterable<DeployEvent>, abort: () => void, options: {instance?: string} = {}): Promise<number> {
	const pump = pumpDeployEvents(events);
	const statusHint = `check the hosts with \`ampzero deploy ${options.instance ?? 'NAME'} status\``;
	const summary = new DeployPrinter(quietOutput);
	pump.listen(event => summary.observe(event));
	let aborted = false;
	const abortOnce = (): void => {
		if (aborted) return;
		aborted = true;
		abort();
	};

	const {createElement, DeployScreen, renderFullscreen} = await loadDeployScreen();
	let leftWith: number | undefined;
	let signalled: Promise<void> | undefined;
	const app = renderFullscreen(
		createElement(DeployScreen, {
			events: pump.events,
			abort: abortOnce,
			...(options.instance === undefined ? {} : {instance: options.instance}),
			onLeave: (code: number) => {
				leftWith = code;
			},
		}),
		{
			beforeSignalExit: () => {
				signalled = abortAndWait(pump, summary, abortOnce, statusHint);
				return signalled;
			},
		},
	);
	await app.waitUntilExit();
	if (signalled) {
		// The signal's handler prints what follows and ends the process once the rollback is done.
		await signalled;
		await new Promise(() => {});
	}
	const outcome = await pump.done;
	const out = createBatchOutput();
	const lines = summary.summary();
	if (lines) {
		for (const line of lines.slice(0, -1)) out.line(line);
		if (outcome.end?.ok) out.line(lines.at(-1)!);
		else out.error(lines.at(-1)!);
	} else {
		out.error(`ampzero: the deploy stopped without reporting its end${outcome.error === undefined ? '' : ` (${String(outcome.error)})`}; ${statusHint}`);
	}
	return leftWith ?? (outcome.end?.ok ? 0 : 1);
}

const quietOutput: BatchOutput = {json: false, line() {}, event() {}, error() {}};

/** After a signal, with the terminal restored: abort unless it has ended, and print the rest as plain lines on stderr. */
async function abortAndWait(pump: ReturnType<typeof pumpDeployEvents>, summary: DeployPrinter, abort: () => void, statusHint: string): Promise<void> {
	if (summary.ended) return;
	const write = (text: string): boolean => process.stderr.write(`${text}\n`);
	// The summary printer has seen every event (it listens first), so its lines have the whole picture.
	pump.listen(event => {
		for (const line of summary.lines(event)) write(line);
	});
	write('ampzero: aborting the deploy: every host goes back to the release it had…');
	abort();
	let timer: NodeJS.Timeout | undefined;
	const timedOut = new Promise<'timeout'>(resolve => {
		timer = setTimeout(() => resolve('timeout'), rollbackWaitMs);
	});
	const result = await Promise.race([pump.done, timedOut]);
	clearTimeout(timer);
	if (result === 'timeout') write(`ampzero: the rollback did not finish in time: ${statusHint}`);
}
