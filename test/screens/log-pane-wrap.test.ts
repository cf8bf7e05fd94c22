import {describe, expect, it} from 'vitest';
import {maxRowsPerLine, wrappedRows} from '../../screens/dashboard/LogPane.js';
import {appendLines, emptyLogBuffer} from '../../screens/dashboard/log-buffer.js';

const buffer = appendLines(emptyLogBuffer, ['short', 'x'.repeat(25), 'last']);

describe('log pane wrapping', () => {
	it('wraps a long line into rows of the pane width and anchors the bottom line', () => {
		expect(wrappedRows(buffer, 0, 3, 10, 10).map(row => row.text)).toEqual(['short', 'xxxxxxxxxx', 'xxxxxxxxxx', 'xxxxx', 'last']);
	});

	it('fills only the rows there are, showing the last rows of the top line', () => {
		const rows = wrappedRows(buffer, 0, 3, 10, 3);
		expect(rows.map(row => [row.index, row.part, row.text])).toEqual([
			[1, 1, 'xxxxxxxxxx'],
			[1, 2, 'xxxxx'],
			[2, 0, 'last'],
		]);
	});

	it(`cuts a line longer than ${maxRowsPerLine} rows with an ellipsis`, () => {
		const long = appendLines(emptyLogBuffer, ['y'.repeat(100)]);
		const rows = wrappedRows(long, 0, 1, 10, 20);
		expect(rows).toHaveLength(maxRowsPerLine);
		expect(rows.at(-1)?.text).toBe(`${'y'.repeat(9)}…`);
	});
});
