/** Whether styles reach the terminal (FORCE_COLOR=0 or NO_COLOR turn them off): the text cursor is drawn differently without them. */
export function stylesEnabled(): boolean {
	const force = process.env['FORCE_COLOR'];
	if (force === '0' || force === 'false') return false;
	const noColor = process.env['NO_COLOR'];
	return noColor === undefined || noColor === '';
}
