import {EventEmitter} from 'node:events';
import {describe, expect, it} from 'vitest';
import {changedRowsStdout} from '../../source/app/changed-rows-stdout.js';
import type {MadeFrame} from '../../screens/ink-output/frame-output.js';

const clear = '\u001B[2J\u001B[3J\u001B[H';

function terminal(): {stream: NodeJS.WriteStream; written: string[]} {
	const written: string[] = [];
	const stream = Object.assign(new EventEmitter(), {
		columns: 20,
		rows: 3,
		isTTY: true,
		write(data: string, callback?: () => void): boolean {
			written.push(data);
			callback?.();
			return true;
		},
	});
	return {stream: stream as unknown as NodeJS.WriteStream, written};
}

describe('the terminal the full-screen app writes to', () => {
	it('sends the first frame whole, then only the rows that changed, each put in place', () => {
		const {stream, written} = terminal();
		const stdout = changedRowsStdout(stream);
		stdout.write(`${clear}header\n› keyspace\n  nginx`);
		stdout.write(`${clear}header\n  keyspace\n› nginx`);
		expect(written).toEqual([`${clear}header\n› keyspace\n  nginx`, '\u001B[2;1H\u001B[2K  keyspace\u001B[3;1H\u001B[2K› nginx']);
	});

	it('writes nothing for an unchanged frame, and still calls back', async () => {
		const {stream, written} = terminal();
		const stdout = changedRowsStdout(stream);
		stdout.write(`${clear}a\nb\nc`);
		const called = new Promise<void>(resolve => stdout.write(`${clear}a\nb\nc`, () => resolve()));
		await called;
		expect(written).toHaveLength(1);
	});

	it('passes other writes on and draws the next frame whole, as after a resize', () => {
		const {stream, written} = terminal();
		const stdout = changedRowsStdout(stream);
		stdout.write(`${clear}a\nb\nc`);
		stdout.write('\u001B[?2026h');
		stdout.write(`${clear}a\nB\nc`);
		stdout.write('\u001B[?2026l');
		stdout.write('console output\n');
		stdout.write(`${clear}a\nB\nc`);
		stream.emit('resize');
		stdout.write(`${clear}a\nB\nc`);
		stdout.write(`${clear}a\nB\nc\nd`);
		expect(written).toEqual([
			`${clear}a\nb\nc`,
			'\u001B[?2026h',
			'\u001B[2;1H\u001B[2KB',
			'\u001B[?2026l',
			'console output\n',
			`${clear}a\nB\nc`,
			`${clear}a\nB\nc`,
			`${clear}a\nB\nc\nd`,
		]);
	});

	it('is the terminal in every other respect', () => {
		const {stream} = terminal();
		const stdout = changedRowsStdout(stream);
		expect([stdout.columns, stdout.rows, stdout.isTTY]).toEqual([20, 3, true]);
		let resized = 0;
		const onResize = (): void => {
			resized++;
		};
		stdout.on('resize', onResize);
		stream.emit('resize');
		stdout.off('resize', onResize);
		stream.emit('resize');
		expect(resized).toBe(1);
	});

	it('takes the rows the output stage changed from its own diff, when the terminal shows the frame made before', () => {
		const {stream, written} = terminal();
		let made: MadeFrame | undefined;
		const stdout = changedRowsStdout(stream, () => made);
		const frame = (sequence: number, rows: string[], changed: number[] | undefined): string => {
			made = {output: rows.join('\n'), rows, changed, sequence};
			return `${clear}${made.output}`;
		};
		stdout.write(frame(1, ['a', 'b', 'c'], undefined));
		// The stage's word is taken: it compared the rows already (here it names row 2 alone).
		stdout.write(frame(2, ['a', 'B', 'C'], [2]));
		// A frame the terminal did not get in between (3): the rows are compared here.
		frame(3, ['x', 'B', 'C'], [0]);
		stdout.write(frame(4, ['a', 'B', 'c'], [2]));
		// Text the stage did not make (Ink's own stage): compared here.
		stdout.write(`${clear}a\nb\nc`);
		expect(written).toEqual([`${clear}a\nb\nc`, '\u001B[3;1H\u001B[2KC', '\u001B[3;1H\u001B[2Kc', '\u001B[2;1H\u001B[2Kb']);
	});
});

