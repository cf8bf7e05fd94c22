/**
 * The batch renderer: the same events the screens draw, printed as plain lines, or as JSON
 * lines with `--json`. The only module outside the screens that writes to stdout.
 */
export interface BatchOutput {
	readonly json: boolean;
	/** A human line (plain mode) or nothing (JSON mode). */
	line(text: string): void;
	/** An event: JSON mode prints it as one line; plain mode prints `text` if given. */
	event(record: Record<string, unknown>, text?: string): void;
	/** A warning or error line on stderr, in both modes. */
	error(text: string): void;
}

export function createBatchOutput(options: {json?: boolean} = {}): BatchOutput {
	const json = Boolean(options.json);
	endQuietlyWhenReaderLeaves();
	return {
		json,
		line(text) {
			if (!json) process.stdout.write(`${text}\n`);
		},
		event(record, text) {
			if (json) process.stdout.write(`${JSON.stringify(record)}\n`);
			else if (text !== undefined) process.stdout.write(`${text}\n`);
		},
		error(text) {
			process.stderr.write(`${text}\n`);
		},
	};
}

let guarded = false;

/** `ampzero run NAME status | head`: a reader that stops early is not an error worth a stack trace. */
function endQuietlyWhenReaderLeaves(): void {
	if (guarded) return;
	guarded = true;
	for (const stream of [process.stdout, process.stderr]) {
		stream.on('error', (error: NodeJS.ErrnoException) => {
			if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
			throw error;
		});
	}
}
