#!/usr/bin/env node
/*
 * The flood of `npm run bench:flood`: waits until the trigger file exists, then prints COUNT
 * numbered lines to stdout as fast as the reader takes them, writes the done file, and sleeps
 * until it is stopped. Lines are 24 bytes: `flood 0000001 abcdefghi`.
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

function flood() {
	for (let first = 1; first <= count; first += linesPerChunk) {
		let chunk = '';
		const last = Math.min(count, first + linesPerChunk - 1);
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
	writeFileSync(done, `${count}\n`);
	process.stdout.write(`flood: done, ${count} lines\n`);
	setInterval(() => {}, 60_000);
}

process.stdout.write(`flood: waiting for ${trigger}\n`);
const poll = setInterval(() => {
	if (!existsSync(trigger)) return;
	clearInterval(poll);
	flood();
}, 10);
process.on('SIGTERM', () => process.exit(0));
