import {mkdirSync, mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {PassThrough} from 'node:stream';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {preUpdate} from '../../services/deploy/agent/set-up.js';
import {eachLine} from '../../services/deploy/stream-lines.js';

let root: string;
beforeEach(() => {
	root = mkdtempSync(path.join(os.tmpdir(), 'ampzero-stream-lines-'));
});
afterEach(() => {
	rmSync(root, {recursive: true, force: true});
});

/** The lines `eachLine` gives for these chunks, once the stream has ended. */
async function linesOf(chunks: Buffer[]): Promise<string[]> {
	const stream = new PassThrough();
	const lines: string[] = [];
	eachLine(stream, line => lines.push(line));
	const ended = new Promise(resolve => stream.on('end', resolve));
	for (const chunk of chunks) stream.write(chunk);
	stream.end();
	await ended;
	return lines;
}

describe("a deploy's output lines", () => {
	it('keep a multi-byte character split across chunks whole, at every byte, and join a line split across chunks', async () => {
		const bytes = Buffer.from('été €5 😀\nnext line\nunfinished');
		for (let cut = 1; cut < bytes.length; cut++) {
			expect([cut, await linesOf([bytes.subarray(0, cut), bytes.subarray(cut)])]).toEqual([cut, ['été €5 😀', 'next line', 'unfinished']]);
		}
	});

	it("the agent passes on a script's lines whole when a character and a line reach it in separate writes", async () => {
		const release = 'instance-0123456789';
		mkdirSync(path.join(root, 'dist', release), {recursive: true});
		// é is C3 A9: the first byte is written alone, the rest of the line 100 ms later, the newline later still.
		const script = "printf '\\xc3'; sleep 0.1; printf '\\xa9t\\xc3\\xa9 half'; sleep 0.1; printf ' line\\nnext\\n'; printf 'no newline at the end' >&2";
		const said: string[] = [];
		await preUpdate({root, name: 'x', setup: 'single', embeddedHub: true, timeoutMs: 10_000}, release, script, line => said.push(line));
		expect(said).toEqual(['été half line', 'next', 'no newline at the end']);
	});
});
