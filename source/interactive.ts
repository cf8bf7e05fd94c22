/**
 * The one place that decides whether ampzero may take over the terminal: a TTY on both stdin
 * and stdout, no `--batch`, and not in CI. Everything else (Ink, raw mode, prompts) asks this.
 */
export function isInteractive(options: {batch?: boolean} = {}): boolean {
	if (options.batch) return false;
	if (isCI()) return false;
	return Boolean(process.stdin.isTTY && process.stdout.isTTY);
}

function isCI(): boolean {
	const ci = process.env['CI'];
	return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}
