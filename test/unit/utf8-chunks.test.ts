import {appendFileSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {jsonLineReader} from '../../services/supervisor/json-lines.js';
import {followLogFile} from '../../services/supervisor/log-tail.js';

const text = 'héllo ✓ 日本 😀';

describe('multi-byte characters split between chunks arrive whole', () => {
	it('in the JSON lines of the control socket (the attached dashboard reads these), at every split point', () => {
		const bytes = Buffer.from(`${JSON.stringify({type: 'notice', text})}\n`);
		for (let cut = 1; cut < bytes.length; cut++) {
			const values: Array<{text: string}> = [];
			const read = jsonLineReader<{text: string}>(value => values.push(value));
			read(bytes.subarray(0, cut));
			read(bytes.subarray(cut));
			expect([cut, values]).toEqual([cut, [{type: 'notice', text}]]);
		}
	});

	it('in `logs --follow`, when a read ends inside a character the daemon is still writing', async () => {
		const directory = mkdtempSync(path.join(tmpdir(), 'ampzero-utf8-'));
		try {
			const file = path.join(directory, 'daemon.log');
			writeFileSync(file, '');
			const bytes = Buffer.from(`${text}\n`);
			const cut = bytes.indexOf(Buffer.from('😀')) + 2;
			const lines: string[] = [];
			const controller = new AbortController();
			const following = followLogFile(file, more => lines.push(...more), controller.signal, 10);
			await new Promise(resolve => setTimeout(resolve, 40));
			appendFileSync(file, bytes.subarray(0, cut));
			await new Promise(resolve => setTimeout(resolve, 60));
			appendFileSync(file, bytes.subarray(cut));
			const deadline = Date.now() + 2000;
			while (lines.length === 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 10));
			controller.abort();
			await following;
			expect(lines).toEqual([text]);
		} finally {
			rmSync(directory, {recursive: true, force: true});
		}
	});
});
