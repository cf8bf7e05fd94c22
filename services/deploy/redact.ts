/**
 * Takes secrets out of a line a host wrote before it reaches the deploy's log, screen or `--json`:
 * the one-time login link `ampzero run --batch` prints (it logs anyone in who reads it), and a
 * redis password should a daemon's output show one.
 */
export function redactSecrets(line: string): string {
	return line
		.replace(/([?&]token=)[^\s&"']+/g, '$1(hidden)')
		.replace(/(requirepass\s+"?|redis_password:\s*)[^\s"]+/gi, '$1(hidden)');
}
