import {describe, expect, it} from 'vitest';
import {appendLines, emptyLogBuffer, lineAt} from '../../screens/dashboard/log-buffer.js';
import {shownLine} from '../../screens/dashboard/log-format.js';

const etcd =
	'{"level":"info","ts":"2026-11-30T12:38:15.237Z","caller":"etcdserver/server.go:2069","msg":"published local member to cluster through raft","local-member-id":"bae523cfcffd6141","request-path":"/0/members/bae523cfcffd6141/attributes"}';

describe('log lines as the pane shows them', () => {
	it("formats etcd's JSON lines as time level message key=value…, the level marked for colour", () => {
		const shown = shownLine(etcd);
		expect(shown.text).toBe(
			'12:38:15.237 INFO  published local member to cluster through raft local-member-id=bae523cfcffd6141 request-path=/0/members/bae523cfcffd6141/attributes caller=etcdserver/server.go:2069',
		);
		expect(shown.level).toEqual({start: 13, end: 17, name: 'info'});
		expect(shown.text.slice(shown.level!.start, shown.level!.end)).toBe('INFO');
	});

	it('maps levels from words and from pino numbers, epoch times, and quotes values with spaces', () => {
		expect(shownLine('{"level":"warn","ts":1764506295.5,"msg":"slow fdatasync","took":"1.2s"}').text).toBe('12:38:15.500 WARN  slow fdatasync took=1.2s');
		expect(shownLine('{"level":50,"time":1764506295500,"msg":"boom","err":{"code":"EPIPE"}}').text).toBe('12:38:15.500 ERROR boom err={"code":"EPIPE"}');
		expect(shownLine('{"severity":"panic","message":"lost","peer":"a b"}').text).toBe('ERROR lost peer="a b"');
		expect(shownLine('{"level":"debug","msg":"x"}').level?.name).toBe('debug');
	});

	it("formats ampzero's own daemons' lines the same way", () => {
		const shown = shownLine('2026-11-30T12:38:15.225Z warn zerodata: checkpoint took 2 s');
		expect(shown.text).toBe('12:38:15.225 WARN  zerodata: checkpoint took 2 s');
		expect(shown.level?.name).toBe('warn');
	});

	it('shows plain lines, broken JSON and JSON without a message or level as written', () => {
		for (const line of ['1:M 30 Nov 2026 12:38:15.237 * Ready to accept connections tcp', '{"level":"info","msg":"cut off', '{"a":1}', '[1,2]', '{', '']) {
			expect(shownLine(line)).toEqual({text: line});
		}
	});

	it('shows every line as written in raw mode', () => {
		expect(shownLine(etcd, true)).toEqual({text: etcd});
	});

	it("formats etcd's long first line (some 1,500 characters) once it has passed through the log buffer", () => {
		const fields = Array.from({length: 40}, (_, index) => `"setting-${index}":"value-of-setting-${index}"`).join(',');
		const long = `{"level":"info","ts":"2026-11-30T15:02:53.288Z","caller":"embed/etcd.go:305","msg":"starting an etcd server",${fields}}`;
		expect(long.length).toBeGreaterThan(1400);
		const kept = lineAt(appendLines(emptyLogBuffer, [long]), 0)!;
		expect(shownLine(kept).text).toMatch(/^15:02:53\.288 INFO {2}starting an etcd server setting-0=value-of-setting-0 .* caller=embed\/etcd\.go:305$/);
	});
});
