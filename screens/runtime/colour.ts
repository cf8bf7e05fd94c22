/**
 * Whether to draw colours and styles: https://no-color.org (NO_COLOR present and not empty) and
 * FORCE_COLOR=0 turn them off. The one place that decides; chalk (in Ink) is told the same
 * answer before it loads (source/app/no-color.ts).
 */
export function colorWanted(env: NodeJS.ProcessEnv = process.env): boolean {
	const force = env['FORCE_COLOR'];
	if (force === '0' || force === 'false') return false;
	const noColor = env['NO_COLOR'];
	return noColor === undefined || noColor === '';
}
