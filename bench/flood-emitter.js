#!/usr/bin/env node
/*
 * The flood of `npm run bench:flood`: waits until the trigger file exists, then prints COUNT
 * numbered lines to stdout as fast as the reader takes them and writes the done file. Then the
 * same again for TRIGGER_FILE.2 and DONE_FILE.2, .3 and so on (the numbers go on from the last
 * round's), until it is stopped. Lines are 24 bytes: `flood 0000001 abcdefghi`.
 *
 *   node bench/flood-emitter.js COUNT TRIGGER_FILE DONE_FILE
 */
import {existsSync, writeFileSync, writeSync} from 'node:fs';

const [countArgument, trigger, done] = process.argv.slice(2);
const count = Number(countArgument);
if (!Number.isInteger(count) || count <= 0 || !trigger || !done) {
	process.stderr.write('usage: flood-emitter.js COUNT TRIGGER_FILE DONE_FILE\n');
	process.exit(2);
}

const linesPerChunk = 4096;

const roundFile = (file, round) => (round === 1 ? file : `${file}.${round}`);

function flood(round) {
	const end = round * count;
	for (let first = (round - 1) * count + 1; first <= end; first += linesPerChunk) {
		let chunk = '';
		const last = Math.min(end, first + linesPerChunk - 1);
		for (let n = first; n <= last; n++) chunk += `flood ${String(n).padStart(7, '0')} abcdefghi\n`;
		const bytes = Buffer.from(chunk);
		// Blocking writes: the emitter goes exactly as fast as the reader drains the pipe or pty.
		for (let offset = 0; offset < bytes.length; ) {
			try {
				offset += writeSync(1, bytes, offset);
			} catch (error) {
				if (error.code !== 'EAGAIN') throw error;
			}
		}
	}
	writeFileSync(roundFile(done, round), `${count}\n`);
	process.stdout.write(`flood: done, ${count} lines\n`);
}

process.stdout.write(`flood: waiting for ${trigger}\n`);
let round = 1;
setInterval(() => {
	if (!existsSync(roundFile(trigger, round))) return;
	flood(round);
	round++;
}, 10);
process.on('SIGTERM', () => process.exit(0));
