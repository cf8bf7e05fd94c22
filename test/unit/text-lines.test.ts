import {describe, expect, it} from 'vitest';
import {jsonLineReader} from '../../services/supervisor/json-lines.js';
import {LineSplitter} from '../../services/supervisor/log-lines.js';
import {TextLines} from '../../services/supervisor/text-lines.js';

describe('the one newline framing', () => {
	it('keeps a UTF-8 character split across chunks whole, at every byte', () => {
		const bytes = Buffer.from('a€b😀c\nnext\n');
		for (let cut = 1; cut < bytes.length; cut++) {
			const lines = new TextLines();
			const got = [...lines.push(bytes.subarray(0, cut)), ...lines.push(bytes.subarray(cut))];
			expect([cut, got]).toEqual([cut, ['a€b😀c', 'next']]);
		}
	});

	it('joins a line split over many chunks, and gives several lines of one chunk at once', () => {
		const lines = new TextLines();
		expect(lines.push('one')).toEqual([]);
		expect(lines.push(Buffer.from(' two'))).toEqual([]);
		expect(lines.push(' three\nfour\nfive\nsi')).toEqual(['one two three', 'four', 'five']);
		expect(lines.end()).toBe('si');
		expect(lines.end()).toBe('');
	});

	it('end() flushes a character cut at the stream end as a replacement, not silence', () => {
		const lines = new TextLines();
		lines.push(Buffer.from('x😀').subarray(0, 3));
		expect(lines.end()).toBe('x\uFFFD');
	});

	it('reads JSON lines split inside a value and inside a character, skipping lines that are not JSON', () => {
		const values: unknown[] = [];
		const read = jsonLineReader(value => values.push(value));
		const bytes = Buffer.from('{"a":"日本"}\nnot json\n\n{"b":[1,');
		for (let start = 0; start < bytes.length; start += 3) read(bytes.subarray(start, start + 3));
		read('2]}\n');
		expect(values).toEqual([{a: '日本'}, {b: [1, 2]}]);
	});

	it('stops a JSON-lines reader whose line outgrows its bound', () => {
		const values: unknown[] = [];
		let overflows = 0;
		const read = jsonLineReader(value => values.push(value), {maxLineLength: 10, onOverflow: () => overflows++});
		read('{"ok":1}\n{"long":"');
		read('aaaaaaaaaaaaaaaa');
		read('"}\n{"ok":2}\n');
		expect(values).toEqual([{ok: 1}]);
		expect(overflows).toBe(1);
	});

	it('daemon output lines keep their carriage-return handling on the shared framing', () => {
		const splitter = new LineSplitter(100);
		expect(splitter.push('10%\r20%\r')).toEqual([]);
		expect(splitter.push(Buffer.from('done\r\nnext'))).toEqual(['done']);
		expect(splitter.flush()).toEqual(['next']);
	});
});
